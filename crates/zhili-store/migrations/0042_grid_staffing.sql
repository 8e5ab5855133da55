-- Grid staffing (网格力量): who holds which post on which grid (a grid leader, full-time or
-- part-time grid workers, grid assistants; a leader may also head the village's party branch),
-- kept with their history (ended postings stay), and who covers a grid while its worker is away.
CREATE TABLE grid_posts (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    grid_code TEXT NOT NULL,
    post TEXT NOT NULL,
    party_branch_head BIGINT NOT NULL DEFAULT 0,
    since BIGINT NOT NULL,
    ended_at BIGINT,
    created_by TEXT NOT NULL
);
CREATE INDEX grid_posts_grid ON grid_posts (grid_code, ended_at);
CREATE INDEX grid_posts_user ON grid_posts (user_id, ended_at);
-- One running posting per person and grid.
CREATE UNIQUE INDEX grid_posts_running ON grid_posts (user_id, grid_code) WHERE ended_at IS NULL;

CREATE TABLE grid_covers (
    id {id},
    grid_code TEXT NOT NULL,
    absent_user_id BIGINT NOT NULL REFERENCES users (id),
    cover_user_id BIGINT NOT NULL REFERENCES users (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    cancelled_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX grid_covers_grid ON grid_covers (grid_code, ends_at);
CREATE INDEX grid_covers_cover ON grid_covers (cover_user_id, ends_at);
