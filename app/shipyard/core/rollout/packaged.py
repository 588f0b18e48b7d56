"""The rollout.yaml a model package ships: the project's policy with its arms pinned.

A package is built for one run, so its rollout policy names that run as the candidate and
the concrete control the rehearsal compares it with (a run id, or `default` for the safe
default rule), instead of rules like `candidate: champion` whose meaning changes as the
project trains and promotes. Everything else (phases, checks, rollback, comments) is the
project's policy as written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.core.rollout.policy import (
    default_rollout_yaml,
    parse_policy,
    policy_path,
    set_policy_values,
)
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    from shipyard.core.training.runs import RunRecord


def packaged_rollout_yaml(ws: Workspace, slug: str, run: RunRecord | str) -> str:
    """The rollout.yaml text to put in the package of `run` (a RunRecord or a run id).

    Raises ValidationFailed naming the project's rollout.yaml when it does not validate,
    or when its control cannot be resolved for this run (e.g. a run id that is gone).
    """
    from shipyard.core.rollout.traffic import DEFAULT_RULE, resolve_control
    from shipyard.core.training.runs import load_run

    record = load_run(ws, slug, run) if isinstance(run, str) else run
    path = policy_path(ws, slug)
    text = path.read_text("utf-8") if path.is_file() else default_rollout_yaml(slug)
    policy = parse_policy(text, path)
    control = resolve_control(ws, slug, policy.control, record)
    control_id = control.run.run_id if control.run is not None else DEFAULT_RULE
    pinned = set_policy_values(text, {("candidate",): record.run_id, ("control",): control_id})
    header = (
        f"# Packaged with run {record.run_id}: candidate and control name the runs this\n"
        f"# policy rehearses (control: {control.why}).\n"
    )
    out = header + pinned
    parse_policy(out, path)  # what ships validates
    return out
