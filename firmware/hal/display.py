# Text display for the meter: the console fallback of a board without an
# LCD (and the virtual meter's front panel), and wrap(): a text longer than a
# line goes on at the next line, so a 20-digit token entry, 24 characters
# grouped, shows whole on two 16-column lines. The HD44780 LCD with the same
# methods: hal/lcd.py (loaded only where a board has one).


def wrap(text, cols, rows):
    """The lines (at most `rows`) that show `text` on a `cols`-wide display:
    what does not fit goes on at the next line, broken at the last space that
    fits ('1234 5678 9012' / '3456 7890' for a token entry on 16 columns)."""
    out = []
    while len(text) > cols and len(out) < rows - 1:
        cut = text.rfind(" ", 0, cols + 1)
        if cut > 0:
            out.append(text[:cut])
            text = text[cut + 1:]
        else:
            out.append(text[:cols])
            text = text[cols:]
    out.append(text)
    return out


class ConsoleDisplay:
    """Fallback when no LCD is fitted: prints each change of line 0, whole
    (cols: the width of the LCD it stands in for)."""

    def __init__(self, cols=16, write=print):
        self.cols = cols
        self.write = write
        self.text = ""

    def show(self, text, line=0):
        if line != 0 or text == self.text:
            return
        self.text = text
        self.write("[display] " + text)

    def clear(self):
        self.text = ""

    def backlight(self, on):
        pass
