"""The inference engine: both generators behind a numpy-in, numpy-out API. No Qt here.

engine = Engine.load()                       # shipped checkpoints, device "auto"
done = engine.complete(sketch, "orange", seeds=range(8))
rgb = engine.render(done.outlines[0], "orange", seed=0)
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from sketchfill.app.checkpoint_folder import (SHIPPED_CHECKPOINTS, checkpoint_files,
                                              fingerprint_of, load_networks,
                                              read_checkpoints)
from sketchfill.app.devices import device_name, resolve_device
from sketchfill.app.outline_bank import OutlineBank
from sketchfill.app.runtime import snapshot
from sketchfill.app.runtime.calls import (AUTO, EAGER, EAGER_BF16, ENV, LookInputs, LookRunner,
                                          RuntimeChoice, ShapeRunner, label)
from sketchfill.app.runtime.external import (ONNXRUNTIME, OPENVINO, ExternalGates, ExternalLook,
                                             ExternalShape, installed, open_session)
from sketchfill.app.runtime.threads import current_threads, set_threads
from sketchfill.app.raster import blend_shadow, check_gray, sketch_to_array, tensor_to_rgb
from sketchfill.app.silhouette import DEFAULT_SILHOUETTE, SilhouetteConfig, fade_outside
from sketchfill.app.ridges import IDLE_SHARE, UserInk, adds_little, drawn_outline, network_lines, \
    outline_from_output, user_ink
from sketchfill.app.document import LIVE_K, rest_threads, worker_threads
from sketchfill.app.sharing import OUTLINE_THREADS, colour_threads
from sketchfill.app.taught_classes import any_taught, data_folder
from sketchfill.models.nets.noise import seeded_maps, seeded_noise

if TYPE_CHECKING:
    import torch
    from torch import nn

    from sketchfill.models.nets.appearance import ClassHead
    from sketchfill.models.nets.shape import ShapeConfig

log = logging.getLogger(__name__)
WARM_BATCHES = 8  # completions per call once the pen lifts: K
# Calls compiled for their fixed shapes at load (ExternalShape.pin): the update's, whose
# median has the least room. Each holds its own weights and buffers (about 80 MB at batch 8);
# the pen-down batch of LIVE_K would gain 2 ms of its 22 for about 35 MB more.
PINNED_BATCHES = (WARM_BATCHES,)
LOOK_CACHE = 64  # (class, seed) gates and noise kept: Dice and class changes come back to some
RUNTIME_FOLDER = "runtime"  # in the user's data folder: the runtime choice and exported networks


# Reserve seeds tried, in order, for a completion that adds (almost) nothing to the sketch.
# On first strokes (held-out prefixes) a fifth of the completions added under 5% of the
# sketch's length; replacing them raised best-of-8 recovery at 4 px 0.221 -> 0.235 (square-
# erased partials 0.597 -> 0.605), precision unchanged (docs/evaluation.md).
RESERVES = 2  # ... but at most RESERVE_SHARE of K in one update: a batch half the size at worst
RESERVE_SHARE = 0.5  # (a batch of K cost an all-idle update 70 ms more on 2 cores; on first
                     # strokes one or two of the 8 are idle, and all their reserves still run)
FINISHED_SHARE = 0.75  # more of the K idle than this: the network sees a finished drawing, and
                       # no reserves run (held out: 19 of 47 finished Quick Draw drawings and 16
                       # of 25 object outlines leave 7 or 8 of 8 idle; partials lose nothing)


@dataclass(frozen=True)
class Completion:
    outlines: np.ndarray  # (K,H,W) uint8, 255 = paper, 0 = ink, at the sketch's size
    shadow: np.ndarray  # (H,W) uint8, 255 = no completion has ink; darker = more agree
    seeds: tuple[int, ...] = ()  # the seed each outline came from (a reserve's, if replaced)


def reserve_seeds(seed: int, n: int = RESERVES) -> list[int]:
    """The n reserve seeds of a completion's seed, in the order they are tried. Each keeps
    the seed's parity, so a reserve sees the sketch in its seed's view (mirrored_view)."""
    state = np.random.SeedSequence([int(seed), 1]).generate_state(n, dtype=np.uint32)
    return [(int(r) & 0x7FFFFFFE) | (int(seed) & 1) for r in state]


def added_shadow(sketch: np.ndarray, outlines: np.ndarray) -> np.ndarray:
    """(H,W) uint8 shadow of what the (K,H,W) outlines add to the (H,W) sketch: their blend,
    blank wherever the sketch has any ink. The shadow is painted under the user's strokes; the
    network's own blurred copy of them would show as a dark halo around every stroke."""
    return np.where(sketch < 255, np.uint8(255), blend_shadow(outlines))


def _started(build: Callable[[str], ShapeRunner | LookRunner], name: str,
             eager: ShapeRunner | LookRunner) -> ShapeRunner | LookRunner:
    """The runner of runtime `name`, or `eager` (with one log line) if it cannot start."""
    if name == eager.name:
        return eager
    try:
        return build(name)
    except Exception as err:  # noqa: BLE001 - a missing or broken runtime, a failed export
        log.warning("runtime %s unavailable (%s: %s); using torch eager float32",
                    name, type(err).__name__, str(err).splitlines()[0] if str(err) else "")
        return eager


@lru_cache(maxsize=512)
def _seed_row(seed: int, nz: int) -> np.ndarray:
    """The z of one seed (kept: a seed stays the same over many pen events)."""
    return seeded_noise([seed], nz)[0]


def seed_noise(seeds: Sequence[int], nz: int) -> np.ndarray:
    """[K, nz] float32: the z of each seed (models.nets.noise)."""
    return np.stack([_seed_row(int(s), nz) for s in seeds])


def perfect_completion(partial: np.ndarray, full: np.ndarray, cfg: ShapeConfig) -> np.ndarray:
    """What Engine.complete gives for `partial` if a shape network of config `cfg` drew the
    true outline `full` exactly (both (H,W) uint8): the most any network of that size and kind
    can score through the engine's own path (resizing, ridge thinning, the user's strokes)."""
    import torch

    from sketchfill.app.raster import sketch_to_tensor
    from sketchfill.models.nets import outline_code

    with torch.inference_mode():
        out = sketch_to_tensor(full, cfg.size)
        if cfg.soft_output:
            out = outline_code.encode(out, cfg.outline_sigma, cfg.outline_reach)
        return outline_from_output(partial, out[0, 0].numpy(), cfg.soft_output)


def mirrored_view(seeds: Sequence[int]) -> np.ndarray:
    """bool [K]: which completions see the sketch mirrored left to right (odd seeds).

    The shape network is not mirror-symmetric, so the mirrored sketch is a second view with
    completions of its own; mirrored back, they add variety the noise alone does not give
    (held-out best of 8 over three seed sets: recovery 0.435 -> 0.447,
    0.416 -> 0.437 and 0.426 -> 0.446, precision unchanged, the 8 less alike). A seed still
    names one completion: the same seed gives the same outline in any batch."""
    return np.array([int(s) % 2 == 1 for s in seeds], dtype=bool)


class Engine:
    """Holds the shape and appearance generators, in eval mode, and what runs them.

    `mirror_views`: odd seeds complete the mirrored sketch (mirrored_view); False gives every
    completion the sketch as drawn. Built from torch networks, both start in torch eager
    float32 and `use_runtimes` hands either to a faster runtime (app.runtime.choice). Loaded
    from a runtime snapshot (Engine.load), it runs both in their runtimes without torch, which
    is imported only if something needs the networks themselves (`shape`, `appearance`: a
    runtime failing, teaching, another runtime asked for)."""

    def __init__(
        self,
        shape: nn.Module,
        appearance: nn.Module,
        classes: Sequence[str],
        device: torch.device,
        provenance: dict | None = None,
        mirror_views: bool = True,
    ) -> None:
        self._setup(classes, provenance, mirror_views)
        self._attach(shape, appearance, device)
        self._shape_run: ShapeRunner = self._eager["_shape_run"]
        self._look_run: LookRunner = self._eager["_look_run"]

    def _setup(self, classes: Sequence[str], provenance: dict | None,
               mirror_views: bool) -> None:
        """Everything but the networks and their runners."""
        self.classes: tuple[str, ...] = tuple(classes)
        self.n_shipped = len(self.classes)  # the checkpoints' own classes come first
        self.skipped_classes: list[str] = []  # why taught classes were not installed
        self.provenance = dict(provenance or {})
        self.mirror_views = mirror_views
        self.runtime_choice = RuntimeChoice()
        self._nets: tuple[nn.Module, nn.Module] | None = None  # (shape, appearance) in torch
        self._load_nets: Callable[[], tuple[nn.Module, nn.Module]] | None = None  # snapshot's
        self._loading = threading.Lock()  # the colour thread and the worker may both need them
        self._tables: dict[str, np.ndarray] = {}  # a snapshot's class tables (torch: the nets')
        self._gates_run: ExternalGates | None = None  # a snapshot's gates (torch: the net's)
        self._look_cache: OrderedDict = OrderedDict()  # (class row, seed, tables) -> inputs
        self.class_heads: dict[int, ClassHead] = {}  # look label -> a taught class's head
                                                      # (torch renders those classes)
        # adds_little()'s share and FINISHED_SHARE (the benchmark's worst case: inf and 1)
        self.idle_share, self.finished_share = IDLE_SHARE, FINISHED_SHARE
        self.outline_bank: OutlineBank | None = None  # fills a shadow the K leave empty
        self.silhouette: SilhouetteConfig | None = DEFAULT_SILHOUETTE  # paper around renders
        self._outline_pool = ThreadPoolExecutor(OUTLINE_THREADS, "outline")
        self._last_ink: tuple[np.ndarray, int, UserInk] | None = None  # (sketch, size, its ink)

    def _attach(self, shape: nn.Module, appearance: nn.Module, device: torch.device) -> None:
        """The torch networks on `device`, their facts and torch's own runners: the start, and
        the fallback of any other runtime."""
        from sketchfill.app.runtime.runners import TorchLook, TorchShape, net_facts

        self._nets = (shape.to(device).eval(), appearance.to(device).eval())
        self.device = device
        self.facts = net_facts(*self._nets)
        self._eager_runners: dict[str, ShapeRunner | LookRunner] = {
            "_shape_run": TorchShape(self._nets[0]), "_look_run": TorchLook(self._nets[1])}

    def _torch_nets(self) -> tuple[nn.Module, nn.Module]:
        """The torch networks, loaded now (torch imported) if the engine came from a snapshot."""
        with self._loading:
            if self._nets is None:
                assert self._load_nets is not None
                log.info("loading the networks in torch")
                self._attach(*self._load_nets(), resolve_device("cpu"))
        return self._nets

    @property
    def shape(self) -> nn.Module:
        return self._torch_nets()[0]

    @property
    def appearance(self) -> nn.Module:
        return self._torch_nets()[1]

    @property
    def _eager(self) -> dict[str, ShapeRunner | LookRunner]:
        self._torch_nets()
        return self._eager_runners

    @classmethod
    def load(
        cls,
        checkpoint_dir: str | Path | None = None,
        device: str = "auto",
        mirror_views: bool = True,
        taught: bool = True,
        runtime: str = AUTO,
        measure_runtime: bool = False,
    ) -> "Engine":
        """Load both networks; CheckpointError names the file for any missing/bad checkpoint.
        `taught`: also the classes the user taught (app.taught_classes; the ones that cannot
        be used are listed in `skipped_classes`). Where a runtime snapshot of these
        checkpoints fits (app.runtime.snapshot: the CPU, the runtimes measured fastest, no
        taught class), torch is not imported at all."""
        directory = Path(checkpoint_dir) if checkpoint_dir is not None else SHIPPED_CHECKPOINTS
        manifest, files = checkpoint_files(directory)
        folder = data_folder() / RUNTIME_FOLDER
        snapshotting = _snapshot_fits(device, runtime, taught)
        fingerprint = fingerprint_of(directory, files) if snapshotting else None
        kept = snapshot.read(folder, fingerprint) if fingerprint is not None else None
        if kept is not None:
            engine = cls._from_snapshot(*kept, folder, lambda: load_networks(files),
                                        mirror_views)
            if engine is not None:
                engine.outline_bank = OutlineBank.load(directory, manifest)
                return engine
        engine = cls._from_checkpoints(files, manifest, device, mirror_views)
        engine.outline_bank = OutlineBank.load(directory, manifest)
        if taught:  # after the bank: taught classes add their outlines to it
            from sketchfill.app.taught_classes import install_taught

            engine.skipped_classes = install_taught(engine, files)
        engine.use_runtimes(runtime, measure_runtime)
        if fingerprint is not None and not engine.class_heads \
                and len(engine.classes) == engine.n_shipped:
            engine._keep_snapshot(folder, fingerprint)
        return engine

    @classmethod
    def _from_checkpoints(cls, files: dict[str, Path], manifest: dict, device: str,
                          mirror_views: bool) -> "Engine":
        shape, look = read_checkpoints(files)
        provenance = {
            kind: {**manifest[kind], **ck.provenance}
            for kind, ck in (("shape", shape), ("appearance", look))
        }
        return cls(shape.build(), look.build(), shape.classes, resolve_device(device),
                   provenance, mirror_views)

    @classmethod
    def _from_snapshot(cls, snap: snapshot.Snapshot, tables: dict[str, np.ndarray],
                       folder: Path, load_nets: Callable[[], tuple],
                       mirror_views: bool) -> "Engine | None":
        """An engine that runs the snapshot's exported graphs in its runtimes (no torch), its
        sessions made and warmed up; None (one log line) if they cannot be: a damaged graph,
        a runtime no longer installed."""
        engine = cls.__new__(cls)
        engine._setup(snap.classes, snap.provenance, mirror_views)
        engine.device, engine.facts, engine._tables = "cpu", snap.facts, tables
        engine._load_nets = load_nets
        exports = folder / "exports"

        def opener(name: str, kind: str) -> Callable[[int], tuple]:
            return lambda threads: open_session(name, exports / snap.files[kind], threads, folder)

        try:
            engine._shape_run = ExternalShape(snap.shape, opener(snap.shape, "shape"))
            engine._look_run = ExternalLook(snap.look, opener(snap.look, "look"), rest_threads())
            gates = ONNXRUNTIME if installed(ONNXRUNTIME) else snap.look  # small: made fast
            engine._gates_run = ExternalGates(gates, opener(gates, "gates"), snap.gate_shapes)
            engine.runtime_choice = RuntimeChoice(snap.shape, snap.look)
            engine._warm_up()
        except Exception as err:  # noqa: BLE001 - any failure inside a third-party runtime
            log.warning("runtime snapshot unusable (%s: %s); loading with torch",
                        type(err).__name__, str(err).splitlines()[0] if str(err) else "")
            return None
        return engine

    def _keep_snapshot(self, folder: Path, fingerprint: str) -> None:
        """Keep what the next start needs to run without torch, where both networks run in
        runtimes other than torch (a failure to write is logged: the next start uses torch)."""
        if {self._shape_run.name, self._look_run.name} - {ONNXRUNTIME, OPENVINO}:
            return
        from sketchfill.app.runtime.snapshot_export import snapshot_of

        try:
            made = snapshot_of(self, folder / "exports", fingerprint)
        except Exception as err:  # noqa: BLE001 - an export failing: torch loads next time
            log.warning("no runtime snapshot kept (%s: %s)", type(err).__name__, err)
            return
        snapshot.write(folder, *made)

    @property
    def live_threads(self) -> int:
        """Threads for the networks while the pen is down (worker_threads): whether what runs
        the shape network spins (torch's OpenMP) decides it on two cores."""
        return worker_threads(spinning=self._shape_run.name in (EAGER, EAGER_BF16))

    @property
    def runtime(self) -> str:
        """What runs each network, e.g. "shape openvino 2026.4 float32, appearance torch
        eager float32" (the status bar, About and --version show it)."""
        return f"shape {label(self._shape_run.name)}, appearance {label(self._look_run.name)}"

    def use_runtimes(self, wanted: str = AUTO, measure: bool = False) -> RuntimeChoice:
        """Run the networks in `wanted` (a runtime name, or auto: the one measured fastest on
        this computer, stored or measured now if `measure`; else torch eager float32). A runtime
        that fails to start leaves torch in its place, with one log line."""
        from sketchfill.app.runtime.choice import RunnerFactory, choose

        factory = RunnerFactory(self.shape, self.appearance, data_folder() / RUNTIME_FOLDER)
        choice = choose(factory, self.device, measure, wanted)
        self._shape_run = _started(factory.shape, choice.shape, self._eager["_shape_run"])
        self._look_run = _started(factory.look, choice.look, self._eager["_look_run"])
        self._gates_run = None  # gates from the torch network from now on
        self.runtime_choice = choice
        if {self._shape_run.name, self._look_run.name} - {EAGER, EAGER_BF16}:
            self._warm_up()
        return choice

    def _warm_up(self) -> None:
        """Ready the runtimes for the first stroke's calls, at load: every session the app will
        use (one per thread count: while the pen is down the app runs `live_threads` and asks
        for LIVE_K completions, no image; after, every core and K completions, the image
        coloured on `colour_threads` beside the outlines or on every core alone:
        gui.controller, app.worker), made at once; and for a runtime that compiles kernels
        per input shape (OpenVINO) those calls made once, where the first shadow and image
        would otherwise wait for them, the update's compiled for its fixed shapes first
        (PINNED_BATCHES). Other batch sizes (reserve seeds) compile at their first use,
        once, in the worker: 20-100 ms more for that update, no stall of the UI thread
        (docs/runtime.md)."""
        live, every, beside = self.live_threads, rest_threads(), colour_threads()
        runners = {"_shape_run": {live, every}, "_look_run": {every, beside}}
        opens = [(getattr(self, attr), n) for attr, counts in runners.items() for n in counts]
        opens = [(r, n) for r, n in opens if hasattr(r, "open")]
        with ThreadPoolExecutor(max(len(opens), 1), "session") as pool:
            list(pool.map(lambda job: job[0].open(job[1]), opens))
        compiling = {a for a in runners if getattr(getattr(self, a), "compiles_per_shape", False)}
        calls = {(live, LIVE_K, False), (every, WARM_BATCHES, True), (beside, 0, True)}
        before = current_threads()
        try:
            for threads, batch, image in sorted(calls):
                set_threads(threads)  # the session of that thread count
                if batch and "_shape_run" in compiling:
                    if batch in PINNED_BATCHES:
                        self._pin_shape(batch)
                    self._warm_shape(batch)
                if image and "_look_run" in compiling:
                    side = self.facts.look_size
                    self.render(np.full((side, side), 255, np.uint8), self.classes[0], 0)
        finally:
            set_threads(before)

    def _stroke_inputs(self, batch: int) -> tuple[np.ndarray, ...]:
        """Shape-network inputs of the shapes a stroke's call of `batch` completions has:
        seeds of both parities see two views."""
        f = self.facts
        views = 2 if self.mirror_views and batch > 1 else 1
        return (np.zeros((views, 1, f.shape_size, f.shape_size), np.float32),
                np.arange(batch, dtype=np.int64) % views,
                np.repeat(self._shape_row(0)[None], batch, 0),
                np.zeros((batch, f.shape_nz), np.float32))

    def _pin_shape(self, batch: int) -> None:
        """Have the session of the thread count in force compiled for a stroke's call of
        `batch` completions with every shape fixed, where its runtime can (ExternalShape.pin):
        OpenVINO, 0.1-0.15 s each at load, from its cache."""
        pin = getattr(self._shape_run, "pin", None)
        if pin is not None:
            pin(*self._stroke_inputs(batch))

    def _warm_shape(self, batch: int) -> None:
        """A call of the shapes a stroke's call of `batch` completions has."""
        self._run("_shape_run", *self._stroke_inputs(batch))

    def _run(self, attr: str, *inputs):
        """Call the runner in `attr`; if a runtime other than torch fails, torch takes over
        for good (one log line) and the call is made again."""
        runner = getattr(self, attr)
        try:
            return runner(*inputs)
        except Exception as err:  # noqa: BLE001 - any failure inside a third-party runtime
            if runner.name in (EAGER, EAGER_BF16):
                raise
            log.warning("runtime %s failed (%s: %s); using torch eager float32 from now on",
                        runner.name, type(err).__name__, err)
            eager = self._eager[attr]
            setattr(self, attr, eager)
            return eager(*inputs)

    def class_index(self, class_name: str) -> int:
        if class_name not in self.classes:
            raise ValueError(
                f"unknown class {class_name!r}; known classes: {', '.join(self.classes)}"
            )
        return self.classes.index(class_name)

    def shape_label(self, class_name: str) -> int:
        """The shape network's embedding row of a class. Rows of classes added after the
        checkpoints' own (taught classes) follow the "no listed class" row of an agnostic
        network."""
        i = self.class_index(class_name)
        return i if i < self.n_shipped else i + int(self.facts.agnostic)

    def look_label(self, class_name: str) -> int:
        """The appearance network's gate-embedding row of a class (classes in engine order)."""
        return self.class_index(class_name)

    def _shape_row(self, label: int) -> np.ndarray:
        """[E] float32: the shape network's class embedding row `label`."""
        if self._nets is None:
            return self._tables["shape"][label]
        return self._nets[0].embedding.weight[label].detach().float().cpu().numpy()

    def _mirrored(self, seeds: Sequence[int]) -> np.ndarray:
        """bool [K]: the completions that see the sketch mirrored (none without mirror_views)."""
        if not self.mirror_views:
            return np.zeros(len(seeds), dtype=bool)
        return mirrored_view(seeds)

    def complete(self, sketch: np.ndarray, class_name: str, seeds: Sequence[int],
                 first: int = 0, on_first: Callable[[np.ndarray], None] | None = None,
                 ) -> Completion:
        """K = len(seeds) complete outlines for the partial `sketch`, run as one batch.

        A completion that adds (almost) nothing (ridges.adds_little) is replaced by its first
        reserve seed's (reserve_seeds) that adds more, if any: an empty proposal only dims
        the shadow. Outline `first` is made before the others and handed to `on_first` as
        soon as it exists: a caller that colours it (render) can start while the rest are
        made (app.sharing)."""
        check_gray(sketch, "sketch")
        if len(seeds) == 0:
            raise ValueError("complete() needs at least one seed")
        label = self.shape_label(class_name)
        size = self.facts.shape_size
        x = sketch_to_array(sketch, size)
        # The user's ink, once for all K, found on the outline thread while the network runs.
        user_ink_job = self._outline_pool.submit(self._user_ink, sketch, size)
        out = self._outputs(x, label, seeds)
        user = user_ink_job.result()
        first = min(max(first, 0), len(seeds) - 1)
        made: dict[int, np.ndarray] = {}
        if not self.facts.soft_output:  # the network draws the outline itself: nothing to thin
            return self._assemble(sketch, seeds, first, on_first, made,
                                  lambda i: outline_from_output(sketch, out[i], False, user))

        lines: dict[int, np.ndarray] = {}

        def outline(i: int) -> np.ndarray:
            return drawn_outline(sketch, lines[i], user)

        def settle(i: int) -> None:  # its lines, and its outline if nothing may replace them
            lines[i] = network_lines(out[i], user)
            if not adds_little(lines[i], user, self._replaced_share()):
                if i == first:  # colouring starts meanwhile
                    self._hand_over(first, outline, on_first, made)
                else:
                    made[i] = outline(i)

        order = [first] + [i for i in range(len(seeds)) if i != first]
        list(self._outline_pool.map(settle, order))

        def settled() -> None:  # `first`'s lines are final: colouring can start
            if first not in made:
                self._hand_over(first, outline, on_first, made)

        used = self._replace_idle(x, label, seeds, first, lines, user, settled)
        if self.outline_bank is not None:  # the K add little: the class's outlines, fitted
            self.outline_bank.fill(class_name, lines, user, keep={first, *made})
        return self._assemble(sketch, used, first, on_first, made, outline)

    def _replaced_share(self) -> float:
        """Lines adding less than this share of the user's may still be replaced (by a
        reserve seed's, or the outline bank's); lines adding more are final."""
        bank = self.outline_bank
        return self.idle_share if bank is None else max(self.idle_share, bank.cfg.idle_share)

    def forget_sketch(self) -> None:
        """Drop what is kept of the last sketch (_user_ink), as the next edit of it would."""
        self._last_ink = None

    def _user_ink(self, sketch: np.ndarray, net_size: int) -> UserInk:
        """user_ink() of the sketch, kept for the next request: the idle stage, Dice and a
        class change complete the same sketch again, and its distance map costs more than
        comparing the two sketches."""
        last = self._last_ink
        if last is not None and last[1] == net_size and np.array_equal(last[0], sketch):
            return last[2]
        user = user_ink(sketch, net_size)
        self._last_ink = (sketch.copy(), net_size, user)
        return user

    @staticmethod
    def _hand_over(first: int, outline: Callable[[int], np.ndarray],
                   on_first: Callable[[np.ndarray], None] | None,
                   made: dict[int, np.ndarray]) -> None:
        made[first] = outline(first)
        if on_first is not None:
            on_first(made[first])

    def _assemble(self, sketch: np.ndarray, seeds: Sequence[int], first: int,
                  on_first: Callable[[np.ndarray], None] | None, made: dict[int, np.ndarray],
                  outline: Callable[[int], np.ndarray]) -> Completion:
        """The Completion of outlines `made` and the rest made now: `first` (handed over
        first, unless it already was), then the others in the pool. `seeds`: the seed each
        came from."""
        if first not in made:
            self._hand_over(first, outline, on_first, made)
        todo = [i for i in range(len(seeds)) if i not in made]
        made.update(zip(todo, self._outline_pool.map(outline, todo)))
        outlines = np.stack([made[i] for i in range(len(seeds))])
        return Completion(outlines=outlines, shadow=added_shadow(sketch, outlines),
                          seeds=tuple(int(s) for s in seeds))

    def _outputs(self, x: np.ndarray, label: int, seeds: Sequence[int]) -> np.ndarray:
        """[K,S,S] shape-network outputs for the (S,S) sketch, one per seed, each seen as its
        seed's view (mirrored_view) and turned back as drawn. The views needed go in once
        each (the network computes the sketch's own features per view, not per seed)."""
        z = seed_noise(seeds, self.facts.shape_nz)
        rows = np.repeat(self._shape_row(label)[None], len(seeds), 0)  # [K, E]
        flip = self._mirrored(seeds)                                    # [K]
        kinds = sorted(set(flip.tolist()))                              # [False], [True] or both
        views = np.stack([x[:, ::-1] if mirrored else x for mirrored in kinds])[:, None]
        view_of = np.array([kinds.index(f) for f in flip.tolist()], np.int64)
        out = self._run("_shape_run", views.astype(np.float32), view_of, rows, z)[:, 0]
        return np.where(flip[:, None, None], out[..., ::-1], out)   # back as drawn

    def _replace_idle(self, x: np.ndarray, label: int, seeds: Sequence[int], first: int,
                      lines: dict[int, np.ndarray], user: UserInk,
                      settled: Callable[[], None]) -> tuple[int, ...]:
        """Swap the lines of each idle completion for those of its first reserve seed that
        adds more (in place, all reserves in one batch); the seed each completion now has.
        `settled()` is called once `first`'s lines are final, before the others' reserves are
        thinned, when reserves run.

        Each idle completion's first reserve is tried before any second one (`first`'s
        before the others'), at most RESERVE_SHARE of K in all (or RESERVES), and none when
        more than `finished_share` of the K are idle."""
        used = [int(s) for s in seeds]
        order = [first] + [i for i in range(len(seeds)) if i != first]
        idle = [i for i in order if adds_little(lines[i], user, self.idle_share)]
        if len(idle) > self.finished_share * len(seeds):
            return tuple(used)
        ranked = [(i, reserve_seeds(seeds[i])) for i in idle]
        tries = [(i, reserves[rank]) for rank in range(RESERVES) for i, reserves in ranked]
        # Room for every reserve of one completion whatever K: in the LIVE_K batch while the
        # pen is down an idle seed takes the reserve it takes in the K after, as long as at
        # most two of the K are idle (on first strokes, one or two usually are).
        tries = tries[:max(RESERVES, int(RESERVE_SHARE * len(seeds)))]
        if not tries:
            return tuple(used)
        out = self._outputs(x, label, [r for _, r in tries])

        def take(picks: list[int]) -> None:
            found = self._outline_pool.map(lambda j: network_lines(out[j], user), picks)
            for (i, r), candidate in zip((tries[j] for j in picks), found):
                if used[i] == seeds[i] and not adds_little(candidate, user, self.idle_share):
                    lines[i], used[i] = candidate, r

        take([j for j, (i, _) in enumerate(tries) if i == first])
        settled()
        take([j for j, (i, _) in enumerate(tries) if i != first])
        return tuple(used)

    def perfect_completion(self, partial: np.ndarray, full: np.ndarray) -> np.ndarray:
        """perfect_completion() for this engine's shape network."""
        return perfect_completion(partial, full, self.shape.cfg)

    def _gates(self, label: int, z: np.ndarray) -> tuple:
        """The four gate arrays of class row `label` and z [1,nz]."""
        if self._nets is None:
            rows = self._tables["gate"][label][None]
            full = self._tables["full_gate"][label][None]
            return self._gates_run(rows, full, z)
        from sketchfill.app.runtime.runners import gates_of

        return gates_of(self._nets[1], label, z)

    def _look_inputs(self, label: int, seed: int) -> LookInputs:
        """The gates and pixel noise of (class row, seed), made once and kept: they depend on
        nothing else, and a class and seed stay the same over many pen events (the gates'
        1-D convolutions cost more than the lines' thinning on 2 busy cores)."""
        if self._nets is None:
            tables: tuple = ("snapshot",)
        else:
            look = self._nets[1]  # a class taught or removed replaces a table: entries go stale
            tables = (look.gate.embedding, getattr(look.full_gate, "embedding", None))
        key = (label, seed, tables)
        if key not in self._look_cache:
            f = self.facts
            z = seeded_noise([seed], f.look_nz)
            # The pixel noise, if it takes any: drawn from the seed, alike everywhere.
            maps = seeded_maps(f.noise_sides, seed)
            self._look_cache[key] = LookInputs(self._gates(label, z), tuple(maps))
            while len(self._look_cache) > LOOK_CACHE:
                self._look_cache.popitem(last=False)
        self._look_cache.move_to_end(key)
        return self._look_cache[key]

    def render(self, outline: np.ndarray, class_name: str, seed: int) -> np.ndarray:
        """(H,W) uint8 outline -> (H,W,3) uint8 RGB image of `class_name`."""
        check_gray(outline, "outline")
        label = self.look_label(class_name)
        f = self.facts
        x = sketch_to_array(outline, f.look_size)[None, None]
        x = np.repeat(x, f.look_in_channels, 1)  # the release takes gray x3
        inputs = self._look_inputs(label, int(seed))
        head = self.class_heads.get(label)
        if head is None:
            rgb = self._run("_look_run", x, inputs)[0]  # [3, S, S]
        else:  # the exported networks hold the shipped output layers: torch runs a head
            rgb = self._eager["_look_run"](x, inputs, head)[0]
        image = tensor_to_rgb(rgb, *outline.shape)
        return image if self.silhouette is None else fade_outside(image, outline, self.silhouette)


def _snapshot_fits(device: str, runtime: str, taught: bool) -> bool:
    """Whether a load of these settings may come from (and leave) a runtime snapshot."""
    if runtime != AUTO or os.environ.get(ENV, AUTO) != AUTO:
        return False
    if taught and any_taught():
        return False
    try:
        return device_name(device) == "cpu"
    except ValueError:
        return False
