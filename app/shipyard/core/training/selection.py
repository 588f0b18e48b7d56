"""Which run a command works on when the user names none: one rule for every caller.

The gates, export, the model card, the rollout rehearsal and the window all ask
`choose_run`: the run the user named; else the champion; else the best exportable run by
the project's primary metric (the leaderboard's order). Never "the newest run": a run the
user did not choose must not be gated, signed or rehearsed silently. `RunChoice.why` says
which rule picked the run, so every face can print it.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.errors import ShipyardError
from shipyard.core.training.runs import RunRecord, load_run
from shipyard.core.workspace.run_folders import runs_dir
from shipyard.core.workspace.workspace import Workspace

CHOSEN, CHAMPION, BEST = "chosen", "champion", "best"


@dataclass(frozen=True)
class RunChoice:
    run: RunRecord
    rule: str  # CHOSEN | CHAMPION | BEST
    why: str  # a sentence for people: "the champion", "the best exportable run by F1 ..."

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def headline(self, verb: str) -> str:
        """The line a command prints first: "Gating the champion 2026...-trees-abc"."""
        return f"{verb} {self.why}"


def choose_run(ws: Workspace, slug: str, run_id: str | None = None) -> RunChoice:
    """The run to work on: `run_id`, else the champion, else the best exportable run.

    Raises ShipyardError naming the project and the command that fixes it when the project
    has no run at all, or no exportable one.
    """
    from shipyard.core.training.champion import current_champion
    from shipyard.core.training.leaderboard import leaderboard, metric_label

    ws.project(slug)
    if run_id:
        return RunChoice(load_run(ws, slug, run_id), CHOSEN, f"run {run_id}, as asked")
    champion = current_champion(ws, slug)
    if champion:
        return RunChoice(load_run(ws, slug, champion), CHAMPION, f"the champion {champion}")
    board = leaderboard(ws, slug)
    if not board.rows:
        raise ShipyardError(
            f"project '{slug}' has no trained run yet",
            file=ws.projects_dir / slug,
            fix=f"train it first: shipyard train {ws.root} {slug}",
        )
    best = next((r for r in board.rows if r.exportable and r.score is not None), None)
    if best is None:
        raise ShipyardError(
            f"none of the {len(board.rows)} runs of '{slug}' is exportable "
            "(their ONNX export failed or disagreed with sklearn)",
            file=runs_dir(ws, slug),
            fix=f"see why with: shipyard runs list {ws.root} {slug}",
        )
    label = metric_label(board.metric)
    return RunChoice(
        load_run(ws, slug, best.run_id),
        BEST,
        f"the best exportable run by {label}, {best.run_id} (no champion yet; promote one "
        f"with: shipyard runs promote {ws.root} {slug} RUN_ID --reason TEXT)",
    )


def previous_champion(ws: Workspace, slug: str) -> str | None:
    """The champion before the current one (the rollout's default control), or None."""
    from shipyard.core.training.champion import champion_history, current_champion

    current = current_champion(ws, slug)
    for event in reversed(champion_history(ws, slug)):
        if event.run_id == current and event.previous and event.previous != current:
            return event.previous
    return None
