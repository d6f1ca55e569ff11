-- Who answers for a task (工作责任制) as staff assigned it on the task's page: the lead
-- department, the supporting departments and the districts (JSON arrays of keys and
-- GB/T 2260 codes). The outline's data file gives the defaults; a row here stands over them,
-- also when the file is loaded again.
CREATE TABLE strategy_assignments (
    outline TEXT NOT NULL,
    task_no BIGINT NOT NULL,
    lead TEXT NOT NULL,
    support TEXT NOT NULL DEFAULT '[]',
    districts TEXT NOT NULL DEFAULT '[]',
    updated_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (outline, task_no)
);
