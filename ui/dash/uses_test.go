package dash

import (
	"testing"

	"provkeys/model"
	"provkeys/ui"
	"provkeys/ui/internal/uitest"
)

// TestGroupAndCertOpenTheirKeys: K on a machine group, or on a certificate, opens the Keys
// view filtered to the keys that use it; the expanded row says so.
func TestGroupAndCertOpenTheirKeys(t *testing.T) {
	t.Parallel()
	st := uitest.NewViewsStore()
	lap := uitest.TestKey(2, "lap-01", "Laptops")
	lap.CertName = "Root"
	st.Keys = append(st.Keys, lap, uitest.TestKey(3, "db-02", "Database Servers"))
	st.Secrets[2], st.Secrets[3] = uitest.SecretFor(lap), uitest.SecretFor(st.Keys[2])
	st.Groups[0].KeyCount, st.Groups[1].KeyCount = 2, 1
	st.Certs[0].KeyCount, st.Certs[1].KeyCount = 2, 1

	d := openView(t, st, uitest.Viewer, 1) // Machine Groups: a viewer may look too
	d.Press("enter")
	d.MustSee("2 key(s) use it · K lists them")
	d.Press("K")
	d.MustSee("[Keys]", `group:"Database Servers"`, "2 of 3 keys", "web-01", "db-02")
	d.MustNotSee("lap-01")

	d.Press("tab", "tab", "j") // Certificates, on Root
	d.Press("enter")
	d.MustSee("1 key(s) sign with it · K lists them")
	d.Press("K")
	d.MustSee("[Keys]", `cert:"Root"`, "1 of 3 keys", "lap-01")
	d.MustNotSee("web-01")

	// A group no key uses says so and stays.
	d.Press("tab", "j", "j")
	d.Press("K")
	d.MustSee("[Machine Groups]")
	if got := d.Status(); got != "No keys use machine group Web Frontends." {
		t.Fatalf("status %q", got)
	}
}

// TestQuoteTerm: a name with quotes and backslashes reads back as itself in the filter.
func TestQuoteTerm(t *testing.T) {
	t.Parallel()
	name := `Lobby "A" \ B`
	f, err := model.ParseFilter("group:" + ui.QuoteTerm(name))
	if err != nil {
		t.Fatal(err)
	}
	k := uitest.TestKey(1, "k", name)
	other := uitest.TestKey(2, "o", "Lobby")
	if !f.Match(k, uitest.TestNow) || f.Match(other, uitest.TestNow) {
		t.Fatalf("group:%s matched wrongly", ui.QuoteTerm(name))
	}
}
