"""One call for a whole rehearsal: resolve and score the arms (cached), simulate, compare in
shadow. The CLI and the Rollout tab both use it.

The same run, policy, traffic and seed give byte-identical JSON, text and PNG: the draws are
seeded, each model's latency is measured once and stored beside its run, errors come from
the traffic rows, and nothing written holds a clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import ShipyardError
from shipyard.core.rollout.flags import kill_switch_engaged
from shipyard.core.rollout.policy import RolloutPolicy, check_size, load_policy, policy_path
from shipyard.core.rollout.results import SimulationResult
from shipyard.core.rollout.shadow import ShadowReport, shadow_compare
from shipyard.core.rollout.simulate import Incident, inputs_from_arms, simulate
from shipyard.core.rollout.traffic import Arms, prepare_arms
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    from shipyard.core.jobs import JobControl


MAX_SEED = 2**32 - 1


@dataclass
class Rehearsal:
    policy: RolloutPolicy
    arms: Arms
    result: SimulationResult
    shadow: ShadowReport

    def to_json(self, project: str) -> dict[str, Any]:
        """The whole rehearsal as `shipyard simulate --json` writes it."""
        return {
            "project": project,
            "traffic": self.arms.traffic.ref,
            "traffic_rows": self.arms.traffic.rows_from,
            "selection": self.arms.selection(),
            "policy": self.policy.model_dump(mode="json", by_alias=True),
            "result": self.result.to_json(),
            "shadow": self.shadow.to_json(),
        }

    def write(self, project: str, json_path: Path | None, png_path: Path | None) -> None:
        """Write the JSON and/or the timeline PNG (atomically)."""
        import json

        from shipyard.core.rollout.chart_png import write_timeline_png
        from shipyard.core.workspace.atomic import atomic_write_text

        if json_path is not None:
            atomic_write_text(json_path, json.dumps(self.to_json(project), indent=1) + "\n")
        if png_path is not None:
            title = f"{project} rollout rehearsal (seed {self.result.seed})"
            write_timeline_png(self.result, png_path, title)


def rehearse(
    ws: Workspace,
    slug: str,
    *,
    policy: RolloutPolicy | None = None,
    run: str | None = None,
    control: str | None = None,
    traffic: str | None = None,
    seed: int = 0,
    incidents: tuple[Incident, ...] | list[Incident] = (),
    job: JobControl | None = None,
    store: bool = True,
) -> Rehearsal:
    """Rehearse the project's rollout (its saved policy unless one is given).

    With `store`, the rehearsal is kept beside the candidate run (`rehearsal.json`): the
    model card of a package states the verdict of the rehearsal that run last had.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ShipyardError(
            f"the seed {seed} is outside 0..{MAX_SEED:,}", fix="use a seed like 0, 1 or 42"
        )
    policy = policy or load_policy(ws, slug)
    check_size(policy, policy_path(ws, slug))
    update: dict[str, Any] = {}
    if run:
        update["candidate"] = run
    if control:
        update["control"] = control
    if traffic:
        update["traffic"] = traffic
    if not policy.kill_switch.engaged and kill_switch_engaged(ws, slug, policy.kill_switch.flag):
        # the flag in flags.yaml is what production reads: an engaged flag wins
        update["kill_switch"] = policy.kill_switch.model_copy(update={"engaged": True})
    if update:
        policy = policy.model_copy(update=update)
    if job is not None:
        job.progress(0.05, "scoring the traffic with both models")
    arms = prepare_arms(ws, slug, policy)
    if job is not None:
        job.check()
    result = simulate(policy, inputs_from_arms(arms), seed=seed, incidents=incidents, job=job)
    if arms.shadow is None:  # the same for every knob setting: computed once per arms
        arms.shadow = shadow_compare(arms)
    done = Rehearsal(policy, arms, result, arms.shadow)
    if store:
        _store(ws, slug, done)
    return done


def _store(ws: Workspace, slug: str, done: Rehearsal) -> None:
    import contextlib
    import json

    from shipyard.core.workspace.atomic import atomic_write_text
    from shipyard.core.workspace.layout import REHEARSAL_FILE
    from shipyard.core.workspace.run_folders import runs_dir

    run_id = done.arms.candidate.run_id
    folder = runs_dir(ws, slug) / run_id if run_id else None
    if folder is not None and folder.is_dir():
        with contextlib.suppress(OSError):  # a read-only workspace still rehearses
            text = json.dumps(done.to_json(slug), indent=1) + "\n"
            atomic_write_text(folder / REHEARSAL_FILE, text)
