"""SVG export parses and carries every stroke (app/svg_export.py)."""

import xml.etree.ElementTree as ET

import numpy as np

from sketchfill.app.document import Sketch, Stroke, rasterise_as_drawn
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
    cut, plain = root.findall(f"{NS}g")
    assert cut.get("class") == plain.get("class") == "pen"
    outline = cut.find(f"{NS}path")
    assert outline.get("fill-rule") == "evenodd" and outline.get("d").startswith("M")
    widths = [float(x.get("stroke-width")) for x in plain.findall(f"{NS}line")]
    assert widths == [4.4]  # pressure 0.2 and 0.9 of 8 px, averaged over the segment
    assert "mask" not in path.read_text()


def rendered(qapp, svg: str, size: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 gray of the SVG drawn by Qt's renderer (an independent one)."""
    from PyQt5.QtCore import QByteArray
    from PyQt5.QtGui import QImage, QPainter
    from PyQt5.QtSvg import QSvgRenderer

    image = QImage(size[0], size[1], QImage.Format_Grayscale8)
    image.fill(255)
    painter = QPainter(image)
    QSvgRenderer(QByteArray(svg.encode())).render(painter)
    painter.end()
    bits = image.constBits()
    bits.setsize(image.bytesPerLine() * size[1])
    return np.frombuffer(bits, np.uint8).reshape(size[1], -1)[:, : size[0]].copy()


def test_an_erased_stroke_renders_as_the_raster_cuts_it(qapp):
    pen = Stroke("pen", 12.0, ((40, 100, 1.0), (280, 100, 1.0)))
    sketch = Sketch(320, 200).with_strokes([pen, Stroke("eraser", 20.0, ((160, 60, 1.0),
                                                                        (160, 140, 1.0)))])
    assert sketch.strokes[0].erased  # the eraser went into the stroke it cut
    svg = rendered(qapp, to_svg(sketch), (320, 200)) < 128
    png = rasterise_as_drawn(sketch) < 128
    assert not svg[95:105, 152:168].any()  # the gap
    assert svg[100, 60] and svg[100, 260]  # the stroke on both sides of it
    assert (svg & png).sum() / (svg | png).sum() > 0.95


def test_the_exported_png_lines_are_as_wide_as_drawn():
    for width in (2.0, 6.0, 12.0):
        sketch = Sketch(200, 100).with_stroke(Stroke("pen", width, ((20, 50.3, 1.0),
                                                                    (180, 50.3, 1.0))))
        column = rasterise_as_drawn(sketch)[:, 100].astype(float)
        assert abs(((255 - column) / 255).sum() - width) < 0.5  # ink across the line
        assert int((column < 128).sum()) == round(width)  # dark pixels across it


def test_empty_sketch_is_valid_svg():
    root = ET.fromstring(to_svg(Sketch()))
    assert root.findall(f"{NS}g") == []
