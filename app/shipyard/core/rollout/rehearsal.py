"""One call for a whole rehearsal: resolve and score the arms (cached), simulate, compare in
shadow. The CLI and the Rollout tab both use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..workspace import Workspace
from .flags import kill_switch_engaged
from .policy import RolloutPolicy, load_policy
from .results import SimulationResult
from .shadow import ShadowReport, shadow_compare
from .simulate import Incident, inputs_from_arms, simulate
from .traffic import Arms, prepare_arms

if TYPE_CHECKING:
    from ..jobs import JobControl


@dataclass
class Rehearsal:
    policy: RolloutPolicy
    arms: Arms
    result: SimulationResult
    shadow: ShadowReport


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
) -> Rehearsal:
    """Rehearse the project's rollout (its saved policy unless one is given)."""
    policy = policy or load_policy(ws, slug)
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
    return Rehearsal(policy, arms, result, arms.shadow)
