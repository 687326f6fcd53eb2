package main

// The parts of BENCHMARKS.md's "How each figure is taken", one per step. Each says what
// provkeys does and what its peer does, so a ratio can be read as same work against same work.

const methodGo = `- **1. Filter keystroke in process (Update only)**: ` + "`BenchmarkKeysFilterKeystroke`" + ` (ui/pages/keys)
  loads the demo store's keys (a fixture exported with sqlite3), opens the filter bar and types
  a query one key at a time, then deletes it again, through the page's Update; no rendering, no
  terminal. No peer: nothing else does this work alone (the whole keystroke against fzf is
  the pseudo-terminal figure 1).
- **2. Frame**: ` + "`BenchmarkKeysFrame`" + ` (ui/pages/keys) renders the whole dashboard (` + "`View()`" + `) at
  120×40 with the cursor in the middle of the table.
- **7. Edit commit**: ` + "`BenchmarkUpdateKey`" + ` (store/sqlite) on a copy of the 100,000-key store: read a
  key, save it back at its version, commit (WAL, synchronous FULL). The demo time is the wall
  time of ` + "`provkeys demo --keys N`" + ` when the cached store was made.
`

const methodFilter = `- **1. Filter keystroke to screen**: provkeys and fzf each run in a 120×40 pseudo-terminal
  driven by the same code (the suite's pty driver and terminal emulator), a fresh process per
  round, 5 rounds, both on the same store size. provkeys opens on the store and the typing
  starts only once every key is loaded ("loading…" gone), then ` + "`/`" + ` opens the bar; fzf
  (0.38, Debian, default options: fuzzy, full screen; and again with ` + "`--exact`" + `) reads the same names, one per line in name
  order, on standard input, and the typing starts only once its counter shows every name
  (N/N, no spinner). Then both get the query fra-db one key at a time, each key written
  when the screen has been still for 300 ms and then a random wait under 25 ms (without it
  the harness's 75 ms polling typed in step with a 120 Hz frame ticker, so every key waited
  a whole tick: a steady 7.4 ms; a person's key lands anywhere between ticks; the same random
  wait precedes the j key of figure 5 and each press of figure 8). The clock runs from the write of the key to the
  read after which the screen showed what it then settled to (still for 300 ms): for provkeys
  the bar with the query and its "K of N keys" count and the table (one View(), so they come
  together); for fzf the query line, the counter with the count ` + "`fzf --filter`" + ` gives for that
  query (checked) and the list. fzf draws its list and its counter as two requests to its
  renderer, flushed together as a rule; waiting for the whole settled screen rather than the
  counter means a counter drawn ahead of its list does not stop fzf's clock early (the notes
  say how often and how far the counter was ahead). Differences in work: fzf matches names
  only, provkeys the name, groups, certificate and description (counts per prefix in the
  notes); fzf ranks by score, provkeys keeps name order. Fuzzy matching is more work than
  provkeys's substring match, so ` + "`fzf --exact`" + ` (substrings, as provkeys) is measured in the same
  rounds and reported beside it; the target is on fzf as a person starts it. Both remember
  earlier results for a longer query (fzf its chunk cache, provkeys its filter cache). p50
  and p99 over every key of every round; the target is on the ratio.
`

const methodDash = `- **3. Start to first full frame**: the binary is started in a 120×40 pseudo-terminal; the
  clock stops at the read that completes the first frame showing "N of N keys", the table and
  the footer (a small terminal emulator follows the renderer's output). The dashboard draws its
  first screen from the first keys in name order while the rest loads ("loading…" in the
  bar). Its peer is the cheapest sqlite3 CLI run a person would write for the same screen: the
  same columns (names of groups and certificate included) for the first 40 rows in name order
  (` + "`LIMIT 40`" + `, through the name index, no sort) and ` + "`SELECT count(*) FROM keys`" + `, output to
  /dev/null. **Every key loaded** stops the clock when "loading…" goes (the filter works on
  all keys, ` + "`G`" + ` reaches the last row); its peer is sqlite3 selecting every row with the
  same columns in name order. A bare scan of the keys table (no names of groups or
  certificate, no order) is in the notes. Medians.
- **4. Resident memory**: VmRSS of the dashboard process two seconds after every key loaded
  (anonymous and file-backed parts in the notes).
- **5. Bytes written**: everything the program writes to the terminal for one key, from the key
  until 300 ms of silence.
`

const methodJSON = `- **6. keys list --json**: whole process, output to /dev/null, against ` + "`sqlite3 -json`" + `
  on the same file with the same join (groups and certificate by name) and the same fields
  under the same names, in name order, with the values made the same where the CLI can:
  status as text, times as RFC 3339 UTC text (` + "`strftime`" + `), groups as a JSON array
  (` + "`json_group_array`" + `, printed by the CLI as a string); booleans stay 0/1. provkeys's
  output is indented, sqlite3's one object per line. Medians.
`

const methodSSH = `- **8. SSH**: ` + "`provkeys serve`" + ` on the 100,000-key and the 1,000,000-key stores; sessions connect one after
  another (x/crypto/ssh, PTY 120×40) and the server's VmRSS is read before the first, once the
  first holds every key, and after the last; then every session presses j repeatedly, all at
  once, and each press is timed until its screen shows the cursor on the next row. The first
  session loads the listing every later one shares (about 12 MB at 100,000 keys, 118 MB at a
  million), once however many operators come: the growth per session after the first is what
  one more operator costs and carries the goal (≤ 5 MB at both sizes); the growth over all of
  them, the listing spread over the 20, is reported beside it.
`

const methodImport = `- **9. keys import**: ` + "`provkeys keys import FILE --group Servers`" + ` of a file of N
  lines of fresh keys (made once by the suite with keyformat.Generate, cached) into a fresh
  store holding only that group, against ` + "`provkeys demo --keys N`" + ` into a fresh store,
  alternated in the same run. Both write N keys in one process; the import also reads,
  parses and checks every line and writes one audit row per key in one transaction, demo
  generates its keys and commits a batch at a time with one audit row per batch. Peak
  resident memory is the import process's ru_maxrss, read by a small wrapper process that
  starts it: read by the suite, it would include the suite's own resident memory (Go starts
  children with vfork, and Linux counts the memory shared until exec in the child's peak).
`

const methodPostgres = `- **10. PostgreSQL store**: the suite starts its own PostgreSQL (the server binaries on the
  PATH or in /usr/lib/postgresql/*/bin; initdb into a temporary directory, a Unix socket
  only, fsync, synchronous_commit and full_page_writes on as installed, so a commit is
  durable as SQLite's WAL with synchronous FULL; shared_buffers 256 MB, wal_buffers 16 MB,
  max_wal_size 4 GB and checkpoint_timeout 30 min, so no checkpoint falls in a measurement) on the same machine and copies the cached SQLite demo store
  into a new database with ` + "`provkeys migrate`" + `, so both stores hold the same keys. Each row
  is PostgreSQL against that SQLite store, the ratio PostgreSQL / SQLite: start to first full
  frame and to every key loaded (the same pseudo-terminal driver and the same screens as
  figure 3, the two stores alternating, medians), ` + "`keys list --json`" + ` (whole process, output
  to /dev/null, alternating, medians) and one edit's commit in process (both stores opened
  by the suite through store/engine as the command line opens them: read the key in the
  middle of the listing, save it back at its version with a new description, commit; 200
  edits alternating between the stores, SQLite on a copy of the cached store; p50 and p99).
  The database server shares the machine's cores with provkeys.
`

const methodEnroll = `- **11. Enrollment**: ` + "`provkeys serve`" + ` on a copy of the 100,000-key store; 64 clients
  at once (Go's HTTP client, TLS trusting the exported Root CA, kept-alive connections) post
  ` + "`/v1/enroll`" + ` with one key (re-enrollment allowed, no usage limit) and distinct machine
  names until 6,000 enrollments (after 256 to warm up), each timed from request to its 201. The
  peer is store/ca's ` + "`BenchmarkCheckAndSign`" + ` in the same run: one CSR parse and signature
  check plus one P-256 certificate signature, on one core. Ratio = enrollments/s over bare
  signings/s.
`

const methodPGEnroll = `- **12. Enrollments on PostgreSQL, one and two replicas**: figure 11's load (64 clients,
  kept-alive HTTPS, one key with re-enrollment allowed and no usage limit, distinct machine
  names, 6,000 enrollments after 256 to warm up) against four set-ups holding the same
  100,000 keys: ` + "`provkeys serve`" + ` on a copy of the SQLite store; one ` + "`serve`" + ` on the
  suite's PostgreSQL (figure 10's server, the copy moved there with ` + "`provkeys migrate`" + `);
  two ` + "`serve`" + ` processes on that same database, the clients split evenly between them,
  each started with its share of the machine's cores (GOMAXPROCS = cores / replicas, as a
  container CPU limit sets it: README, "Outgrowing one machine"); the same two with Go's
  default, every core each, reported only; and, on a machine of four cores or more, four
  replicas with their share each (the curve 1, 2, 4). The single serve processes keep Go's
  default. The set-ups
  take turns, 5 rounds, SQLite first and the PostgreSQL set-ups in an order that moves one
  along each round (each measurement leaves its machines, and perhaps a vacuum, to the one
  after it); each figure is the median round. The database server, the replicas
  and the clients share the machine's cores. Ratios: one replica over SQLite (goal ≥ 0.7),
  two replicas over one (goal ≥ 1: coordinating costs nothing measurable). Also reported:
  the CPU time (user and system, from /proc) the serve processes and, on PostgreSQL, the
  database server's processes used during the measured part, per enrollment, which stays
  comparable when the machine is busy with other work. Two replicas with every core each
  spend more CPU per enrollment than one (the two Go schedulers' idle threads spin for
  work on the same two cores); with their share each they spend within a few per cent of one.
`
