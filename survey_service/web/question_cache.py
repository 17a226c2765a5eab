"""Blank question lists, rendered once per questionnaire version, module and language.

Rendering the questions is most of the work of serving a survey page, and for
a blank form it is the same for every patient: only the link, the CSRF token
and the practice name differ, and those sit outside the cached part. Pages
with the patient's answers or problems are rendered in full every time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup


class QuestionCache:
    def __init__(self, templates: Path) -> None:
        # Same loader and escaping as the app's template engine.
        self._env = Environment(loader=FileSystemLoader(templates), autoescape=True)
        self._rendered: dict[tuple[str, str, str], Markup] = {}

    def blank(self, key: tuple[str, str, str], context: dict[str, Any]) -> Markup:
        """The questions of ``key`` = (questionnaire version, module, language), unanswered.

        The module matters: each module of a split questionnaire is another form.
        """
        if key not in self._rendered:
            html = self._env.get_template("_questions.html").render(context)
            self._rendered[key] = Markup(html)
        return self._rendered[key]
