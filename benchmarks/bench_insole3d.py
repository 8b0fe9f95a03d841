"""Benchmark: building and writing the printable 3D insoles of a walk scan.

    python benchmarks/bench_insole3d.py

Targets (issue 13): building both insoles of a walk sample and writing left.stl, right.stl,
insoles.3mf and insoles.txt takes under 1 s (from the analysis and proposal in memory to the
files on disk; best of five runs); the STL of one insole stays under 5 MB. Also shown: what the
desktop's 3D preview redoes after an edit (build both insoles, lay them on the plate, light
their faces; no OpenGL is needed to time it), under the same 1 s target. The insoles are the
heaviest the proposal can ask for: full length, posts, arch, cup, lift, a metatarsal dome and
two offloading recesses (cut with booleans). Baselines in the same run: analysing the scan the
insoles come from, and writing the same bytes to the same folder (the disk alone).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import best_of

import orthofit
from orthofit.cli.insole import _write_all
from orthofit.insole3d import PrintSpec, build_insoles
from orthofit.insole3d.export import stl_bytes, threemf_bytes
from orthofit.insole3d.views import face_light, plate_meshes
from orthofit.io.profiles import load_insole_rules, read_profile
from orthofit.proposal.model import override
from orthofit.proposal.rules import propose

SCAN = Path(__file__).resolve().parents[1] / "sample_scans" / "walk_flat.ofs"


def heavy_proposal(analysis):
    p = propose(analysis, load_insole_rules(), diabetic=True)
    for foot in p.feet:
        for kind, values in (
                ("shell", {"length": "full"}), ("arch_support", {"height_mm": 18.0}),
                ("rearfoot_post", {"side": "medial", "degrees": 5.0}),
                ("forefoot_post", {"side": "lateral", "degrees": 3.0}),
                ("heel_cup", {"depth_mm": 16.0}), ("heel_lift", {"height_mm": 4.0}),
                ("metatarsal_pad", {"type": "dome", "height_mm": 5.0, "offset_mm": 5.0,
                                    "target": "m2"}),
                ("offloading", {"regions": ["m1", "hallux"]})):
            p = override(p, foot.side, kind, **values)
    return p


def main() -> int:
    rec = orthofit.load(SCAN)
    analysis = orthofit.analyze_trials([rec])
    proposal = heavy_proposal(analysis)
    spec = PrintSpec.from_dict(read_profile("insoles", "default")["print3d"])
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def contents():
            solids = build_insoles(analysis, proposal, spec)
            files = {f"{s.side}.stl": stl_bytes(s) for s in solids}
            files["insoles.3mf"] = threemf_bytes(solids)
            files["insoles.txt"] = b"benchmark\n"
            return files

        def build_and_write():
            files = contents()
            sizes.update({k: len(v) for k, v in files.items()})
            _write_all(folder, files)

        build_and_write()  # warm: imports of trimesh and manifold3d are not counted
        t_insole = best_of(build_and_write)
        data = contents()
        t_disk = best_of(lambda: _write_all(folder, data))
        t_analysis = best_of(lambda: orthofit.analyze_trials([rec]), repeat=3)

    def preview():
        meshes, _ = plate_meshes(build_insoles(analysis, proposal, spec))
        return [face_light(m.vertices, m.faces) for m in meshes]

    t_preview = best_of(preview)
    ok = t_insole < 1.0 and t_preview < 1.0
    print(f"{'write the bytes only (baseline)':34s} {t_disk * 1e3:7.1f} ms   1.00x")
    print(f"{'analyse the scan (baseline)':34s} {t_analysis * 1e3:7.1f} ms  "
          f"{t_analysis / t_disk:5.2f}x")
    print(f"{'build + write both insoles':34s} {t_insole * 1e3:7.1f} ms  "
          f"{t_insole / t_disk:5.2f}x of the disk, {t_insole / t_analysis:4.2f}x of the analysis "
          f"(target < 1000 ms){'  ok' if t_insole < 1.0 else '  OVER TARGET'}")
    print(f"{'rebuild the 3D preview (desktop)':34s} {t_preview * 1e3:7.1f} ms  "
          f"(target < 1000 ms){'  ok' if t_preview < 1.0 else '  OVER TARGET'}")
    for name in ("left.stl", "right.stl", "insoles.3mf"):
        mb = sizes[name] / 1e6
        limit = name.endswith(".stl")
        good = not limit or mb < 5.0
        ok &= good
        print(f"{name:34s} {mb:7.2f} MB" + ("  (target < 5 MB)" + ("  ok" if good else
                                                                     "  OVER TARGET")
                                             if limit else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
