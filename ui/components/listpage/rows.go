package listpage

// mapRows builds a row per loaded item.
func MapRows[S, T any](items []S, row func(S) T) []T {
	rows := make([]T, len(items))
	for i, it := range items {
		rows[i] = row(it)
	}
	return rows
}
