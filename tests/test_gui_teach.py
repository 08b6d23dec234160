"""Classes > Teach a New Class… and Remove… in the real window (gui/teach_dialog.py,
gui/class_commands.py, app/worker_teach.py), with tiny networks."""
from __future__ import annotations

from PyQt5.QtCore import Qt

from sketchfill.app import taught_classes as tc
from sketchfill.gui.class_commands import OWN_MARK
from tests.gui_support import WAIT_MS, make_window


def menu_actions(window, title: str) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == title)
    return [a.text() for a in menu.actions()]


def test_teach_select_then_remove(qtbot, tmp_path, data_home, teach_checkpoints, pictures_dir):
    window = make_window(qtbot, tmp_path, teach_checkpoints)
    assert menu_actions(window, "C&lasses") == ["&Teach a New Class…", "&Remove a Taught Class…"]
    commands = window.class_commands
    commands.teach.trigger()
    dialog = commands.dialog
    assert dialog.isVisible()
    dialog.use([str(pictures_dir)])
    assert dialog.preview.count() == 3 and dialog.message.text().startswith("3 pictures")
    dialog.name.setText("mushroom")
    dialog.max_steps = 1
    with qtbot.waitSignal(dialog.taught, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.teach_button, Qt.LeftButton)
    assert tc.addon_path("mushroom").is_file() and "Taught 'mushroom'" in dialog.message.text()
    qtbot.waitUntil(lambda: window.controller.sketch.class_name == "mushroom", timeout=WAIT_MS)
    picker = window.panel.classes
    assert picker.currentData() == "mushroom" and picker.currentText().endswith(OWN_MARK)
    assert not picker.itemText(0).endswith(OWN_MARK)
    commands.choose_to_remove = lambda names: names[0]
    commands.remove.trigger()
    assert not tc.addon_path("mushroom").exists()
    qtbot.waitUntil(lambda: window.controller.info is not None
                    and "mushroom" not in window.controller.info.classes, timeout=WAIT_MS)
    assert window.controller.sketch.class_name == "orange"
    assert picker.findData("mushroom") == -1


def test_bad_input_is_told_in_the_dialog(qtbot, tmp_path, data_home, teach_checkpoints,
                                         pictures_dir):
    window = make_window(qtbot, tmp_path, teach_checkpoints)
    dialog = window.class_commands.open_teach_dialog()
    dialog.name.setText("mushroom")
    qtbot.mouseClick(dialog.teach_button, Qt.LeftButton)
    assert "no readable picture" in dialog.message.text() and dialog.thread is None
    dialog.use([str(pictures_dir)])
    for name, problem in (("", "empty"), ("a/b", "may hold only"), ("moon", "shipped class")):
        dialog.name.setText(name)
        qtbot.mouseClick(dialog.teach_button, Qt.LeftButton)
        assert problem in dialog.message.text() and dialog.thread is None
    assert not tc.classes_folder().exists()


def test_cancel_saves_nothing(qtbot, tmp_path, data_home, teach_checkpoints, pictures_dir):
    window = make_window(qtbot, tmp_path, teach_checkpoints)
    dialog = window.class_commands.open_teach_dialog()
    dialog.use([str(pictures_dir)])
    dialog.name.setText("mushroom")
    qtbot.mouseClick(dialog.teach_button, Qt.LeftButton)
    assert dialog.thread is not None and dialog.cancel_button.text() == "Cancel"
    assert dialog.bar.isVisible()
    thread = dialog.thread
    with qtbot.waitSignal(thread.stopped, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.thread is None, timeout=WAIT_MS)
    assert "nothing was saved" in dialog.message.text()
    assert not tc.addon_path("mushroom").exists()


def test_already_taught_asks_before_replacing(qtbot, tmp_path, data_home, teach_checkpoints,
                                              pictures_dir):
    window = make_window(qtbot, tmp_path, teach_checkpoints)
    dialog = window.class_commands.open_teach_dialog()
    dialog.use([str(pictures_dir)])
    dialog.name.setText("mushroom")
    dialog.max_steps = 1
    with qtbot.waitSignal(dialog.taught, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.teach_button, Qt.LeftButton)
    before = tc.addon_path("mushroom").read_bytes()
    window.dialogs.confirm_answer = False
    dialog.name.setText("Mushroom")
    qtbot.mouseClick(dialog.teach_button, Qt.LeftButton)
    assert dialog.thread is None and tc.addon_path("mushroom").read_bytes() == before


def test_bad_taught_class_is_named_at_start(qtbot, tmp_path, data_home, teach_checkpoints):
    tc.classes_folder().mkdir(parents=True)
    (tc.classes_folder() / f"carrot{tc.SUFFIX}").write_bytes(b"garbage")
    window = make_window(qtbot, tmp_path, teach_checkpoints)
    qtbot.waitUntil(lambda: "carrot.class.pt" in window.statusBar().currentMessage(),
                    timeout=WAIT_MS)
    assert window.panel.classes.count() == 3
