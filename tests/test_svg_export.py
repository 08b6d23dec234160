"""SVG export parses and carries every stroke (app/svg_export.py)."""

import xml.etree.ElementTree as ET

from sketchfill.app.document import Sketch, Stroke
from sketchfill.app.svg_export import save_svg, to_svg

NS = "{http://www.w3.org/2000/svg}"


def test_svg_parses_with_one_group_per_stroke(tmp_path):
    sketch = Sketch(320, 240, class_name="moon & <stars>").with_strokes([
        Stroke("pen", 4.0, ((1, 2, 1.0), (30, 40, 1.0), (50, 45, 1.0))),
        Stroke("pen", 8.0, ((100, 100, 0.2), (120, 120, 0.9))),
        Stroke("eraser", 10.0, ((5, 5, 1.0),)),       # cuts the first stroke only
    ])  # fmt: skip
    path = tmp_path / "s.svg"
    save_svg(path, sketch)
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}svg" and root.get("width") == "320" and root.get("height") == "240"
    masked, plain = root.findall(f"{NS}g")
    assert masked.get("mask") == "url(#erased-0)" and plain.get("class") == "pen"
    first = masked.find(f"{NS}g")
    assert first.find(f"{NS}polyline").get("points") == "1,2 30,40 50,45"
    widths = [float(x.get("stroke-width")) for x in plain.findall(f"{NS}line")]
    assert widths == [4.4]  # pressure 0.2 and 0.9 of 8 px, averaged over the segment
    cut = root.find(f"{NS}mask").find(f"{NS}g").find(f"{NS}circle")
    assert cut.get("fill") == "#000000" and cut.get("cx") == "5"


def test_empty_sketch_is_valid_svg():
    root = ET.fromstring(to_svg(Sketch()))
    assert root.findall(f"{NS}g") == []
