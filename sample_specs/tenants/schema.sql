-- Workspaces, projects, tasks, comments and attachments of many tenants, in one database.
-- Every tenant-scoped table carries tenant_id: the owner column, filled from the token's
-- `tid` claim on insert and enforced with row-level security (see auth.yaml `ownership:`).
-- PostgreSQL 15+.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TYPE project_status AS ENUM ('active', 'archived');
CREATE TYPE task_status AS ENUM ('todo', 'in_progress', 'blocked', 'done');
CREATE TYPE task_priority AS ENUM ('low', 'normal', 'high', 'urgent');

CREATE TABLE workspaces (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    slug        varchar(63) NOT NULL,
    name        varchar(120) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_workspaces_tenant_slug UNIQUE (tenant_id, slug),
    CONSTRAINT workspace_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$')
);
COMMENT ON TABLE workspaces IS 'A tenant''s top-level container; a tenant may have several';
COMMENT ON COLUMN workspaces.tenant_id IS 'the owning tenant (token claim tid)';

CREATE TABLE projects (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key          varchar(10) NOT NULL,
    name         varchar(120) NOT NULL,
    description  text,
    status       project_status NOT NULL DEFAULT 'active',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_projects_workspace_key UNIQUE (workspace_id, key),
    CONSTRAINT project_key_format CHECK (key ~ '^[A-Z][A-Z0-9]{1,9}$')
);
CREATE INDEX ix_projects_tenant_id_status ON projects (tenant_id, status);

CREATE TABLE tasks (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL,
    project_id     uuid NOT NULL,
    title          varchar(200) NOT NULL,
    description    text,
    status         task_status NOT NULL DEFAULT 'todo',
    priority       task_priority NOT NULL DEFAULT 'normal',
    assignee_id    uuid,
    due_on         date,
    estimate_hours numeric(6, 2) CHECK (estimate_hours >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN tasks.assignee_id IS 'a user id of the tenant''s identity provider';
-- The cursor of listTasks is (created_at, id): this index serves it per project.
CREATE INDEX ix_tasks_project_id_created_at_id ON tasks (project_id, created_at, id);
CREATE INDEX ix_tasks_project_id_status ON tasks (project_id, status);
CREATE INDEX ix_tasks_tenant_id_assignee_id ON tasks (tenant_id, assignee_id);

CREATE TABLE comments (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL,
    task_id    uuid NOT NULL,
    author_id  uuid NOT NULL,
    body       text NOT NULL,
    edited_at  timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT comment_body_length CHECK (char_length(body) BETWEEN 1 AND 10000)
);
CREATE INDEX ix_comments_task_id_created_at_id ON comments (task_id, created_at, id);

CREATE TABLE attachments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    task_id         uuid NOT NULL,
    file_name       varchar(255) NOT NULL,
    content_type    varchar(127) NOT NULL,
    size_bytes      bigint NOT NULL,
    checksum_sha256 char(64) NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attachment_size_limit CHECK (size_bytes > 0 AND size_bytes <= 104857600)
);
CREATE INDEX ix_attachments_task_id ON attachments (task_id);
CREATE UNIQUE INDEX uq_attachments_task_id_checksum_sha256 ON attachments (task_id, checksum_sha256);

CREATE TABLE labels (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         varchar(50) NOT NULL,
    color        char(7) NOT NULL DEFAULT '#888888',
    CONSTRAINT uq_labels_workspace_name UNIQUE (workspace_id, name)
);

-- Foreign keys declared after the tables, as pg_dump writes them.
ALTER TABLE ONLY tasks
    ADD CONSTRAINT fk_tasks_project_id_projects
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE;
ALTER TABLE ONLY comments
    ADD CONSTRAINT fk_comments_task_id_tasks
    FOREIGN KEY (task_id) REFERENCES tasks (id) ON DELETE CASCADE;
ALTER TABLE ONLY attachments
    ADD CONSTRAINT fk_attachments_task_id_tasks
    FOREIGN KEY (task_id) REFERENCES tasks (id) ON DELETE RESTRICT;

-- Row-level security (the generator sets this up from auth.yaml; shown for the reader).
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
