/**
 * Numbered, forward-only schema migrations. The applied version lives in `PRAGMA user_version`: it is
 * part of the database header, so it changes atomically with the migration's transaction and needs
 * no table of its own. Never edit a released migration; add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Read-only commands can read a store without it: it adds only what writers use. */
  readCompatible?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'experiments, games, events, reports and grades',
    sql: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        spec TEXT NOT NULL,
        plugins TEXT NOT NULL
      );
      CREATE TABLE games (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments(id),
        environment_id TEXT NOT NULL,
        organism_id TEXT NOT NULL,
        auditor TEXT NOT NULL,
        auditor_index INTEGER NOT NULL,
        affordance_set TEXT NOT NULL,
        tools TEXT NOT NULL,
        repeat INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'finished', 'error')),
        attempts INTEGER NOT NULL DEFAULT 0,
        usage TEXT,
        error TEXT,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX games_by_experiment_status ON games (experiment_id, status);
      CREATE TABLE events (
        game_id TEXT NOT NULL REFERENCES games(id),
        seq INTEGER NOT NULL,
        branch TEXT NOT NULL,
        parent INTEGER,
        time TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (game_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE reports (
        game_id TEXT PRIMARY KEY REFERENCES games(id),
        report TEXT NOT NULL
      );
      CREATE TABLE grades (
        game_id TEXT NOT NULL REFERENCES games(id),
        grader TEXT NOT NULL,
        grade TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (game_id, grader)
      );
    `,
  },
  {
    version: 2,
    name: 'game claims: which runner plays a game, until when',
    readCompatible: true,
    sql: `
      ALTER TABLE games ADD COLUMN claimed_by TEXT;
      ALTER TABLE games ADD COLUMN claim_expires_at INTEGER;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
