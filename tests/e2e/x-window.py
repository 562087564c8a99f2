#!/usr/bin/python3
"""What a window manager does to a top-level window, for the end-to-end tests (there is no
window manager under Xvfb): `close TITLE` asks it to close the way a title bar's close button
does (WM_DELETE_WINDOW); `state TITLE` prints its map state (viewable or unmapped)."""
import sys

from Xlib import X, display, protocol


def windows_named(d, title):
    for w in d.screen().root.query_tree().children:
        try:
            if w.get_wm_name() == title:
                yield w
        except Exception:  # a window that went away meanwhile
            continue


def main():
    action, title = sys.argv[1], sys.argv[2]
    d = display.Display()
    found = list(windows_named(d, title))
    if not found:
        sys.exit(f"no top-level window named {title!r}")
    if action == "state":
        viewable = any(w.get_attributes().map_state == X.IsViewable for w in found)
        print("viewable" if viewable else "unmapped")
        return
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    for w in found:
        if delete in (w.get_wm_protocols() or []):
            event = protocol.event.ClientMessage(
                window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
            )
            w.send_event(event)
    d.flush()


main()
