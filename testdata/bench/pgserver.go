package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"provkeys/store/postgres/pgtest"
)

// pgSettings tune the suite's private PostgreSQL (pgtest's server: initdb into a temporary
// directory, a Unix socket only) as an operator would for this load, the same for every
// figure, and keep every commit durable, unlike the tests' server: fsync, synchronous_commit
// and full_page_writes stay on as installed, since its commits are measured against SQLite's,
// which syncs every commit (synchronous FULL). Enough shared buffers for the 100,000-key
// store's tables and indexes, and checkpoints spaced so none falls in the middle of a
// measurement; room for the replicas' pools (5 to 20 connections each, and a listener).
const pgSettings = "-c shared_buffers=256MB -c wal_buffers=16MB -c max_wal_size=4GB -c checkpoint_timeout=30min -c max_connections=200"

// startPG starts the suite's server; Stop stops it and removes its directory.
func startPG() (*pgtest.Server, error) { return pgtest.StartWith(pgSettings) }

// createDB creates database name, from the maintenance database.
func createDB(ctx context.Context, pg *pgtest.Server, name string) error {
	if err := pg.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
