package sqlite

import "context"

// writerQueue serves this process's writers in arrival order. The writer pool has one
// connection, and database/sql hands a released connection to a RANDOM waiter (Go 1.26,
// connRequests.TakeRandom): under load an unlucky transaction waited many turns, the p99 of
// enrollments at 64 clients was 5 to 10 times the p50. Goroutines blocked sending on a
// channel are woken first in, first out, so a one-slot channel in front of every write
// transaction makes the wait a queue; database/sql then never has more than one waiter.
type writerQueue chan struct{}

func newWriterQueue() writerQueue { return make(writerQueue, 1) }

// acquire waits for the writer's turn, or for ctx to end. release must be called once, after
// the transaction committed or rolled back.
func (q writerQueue) acquire(ctx context.Context) (release func(), err error) {
	select {
	case q <- struct{}{}:
		return q.release, nil
	default:
	}
	select {
	case q <- struct{}{}:
		return q.release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (q writerQueue) release() { <-q }
