"""The command line: `commands` (the parser and exit codes), one module per command group
(`projects`, `workspace`, `windows`, `data`, `train`, `gate`, `rollout`, `package`), `output`
(the user, JSON and tables) and `jobs` (progress and Ctrl+C for every long command)."""
