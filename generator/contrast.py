"""Colour contrast as WCAG 2.2 measures it, for a client's brand colours: the theme writes text on them (the
header on the primary colour, the home page's search button on the accent), so a light brand colour under
white text is unreadable. `kb check` warns with the ratio; the build writes the text in the colour that
reads best (stage.brand)."""

from __future__ import annotations

AA = 4.5  # WCAG 2.2 AA for normal text (1.4.3)
WHITE = "#ffffff"
DARK = "#1f2933"  # the theme's dark text


def luminance(color: str) -> float:
    """The relative luminance of '#rrggbb' (WCAG's definition, sRGB)."""
    channels = []
    for index in (1, 3, 5):
        value = int(color[index : index + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ratio(first: str, second: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(background: str) -> str:
    """White, or the theme's dark text when that reads better on `background`."""
    return WHITE if ratio(background, WHITE) >= ratio(background, DARK) else DARK


def darkened_for(color: str, background: str = WHITE) -> str:
    """`color`, mixed with black in steps of a tenth until it reaches AA on `background` (a light one): a
    brand colour too light for links on a white page keeps its hue."""
    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    for tenth in range(11):
        keep = 1 - tenth / 10
        mixed = "#" + "".join(f"{round(channel * keep):02x}" for channel in (red, green, blue))
        if ratio(mixed, background) >= AA:
            return mixed
    return "#000000"


def contrast_warning(role: str, background: str) -> str | None:
    """What `kb check` says about white text on a brand colour below AA, or None when it reads well."""
    white = ratio(background, WHITE)
    if white >= AA:
        return None
    chosen = text_on(background)
    if chosen == WHITE or ratio(background, chosen) < AA:
        return (
            f"{role} {background} gives text a contrast of at most {max(white, ratio(background, DARK)):.2f}:1, "
            f"below WCAG AA's {AA}:1 with white or dark text; choose a darker or lighter colour"
        )
    return (
        f"{role} {background} under white text is {white:.2f}:1, below WCAG AA's {AA}:1; the build writes that "
        f"text in {chosen} instead ({ratio(background, chosen):.2f}:1)"
    )
