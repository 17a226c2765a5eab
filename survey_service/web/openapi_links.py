"""OpenAPI links: where one operation's answer is what a later request needs.

Only links that are true are declared. The list of questionnaires names each
version by ``slug`` and ``version``, which are exactly the path of the two
questionnaire reads. Nothing else in the API hands out anything to follow:
visits answer 202 with no identifier the database keeps, and a stored
response can never be read back (docs/anonymity.md). Clients may use the
links; schemathesis's stateful runs follow them
(tests/survey_service/web/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Link, OpenAPIResponse, Operation

#: the paths the questionnaire list links to, as the document names them
QUESTIONNAIRE_READS = (
    "/api/v1/questionnaires/{slug}/{version}",
    "/api/v1/questionnaires/{slug}/{version}/fhir",
)


def operation_ref(path: str, method: str = "get") -> str:
    """A JSON pointer to an operation of this document (``/`` escaped as ``~1``)."""
    return f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}"


class QuestionnaireListOperation(Operation):
    """The list's 200 links to each read, with the first listed version's path.

    (A runtime expression picks one element; a client reads any other entry
    the same way.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.links = {
                name: Link(
                    operation_ref=operation_ref(path),
                    parameters={
                        "slug": "$response.body#/0/slug",
                        "version": "$response.body#/0/version",
                    },
                    description=description,
                )
                for (name, description), path in zip(
                    [
                        ("questionnaire", "the first listed version, expanded"),
                        ("fhir", "the first listed version as a FHIR Questionnaire"),
                    ],
                    QUESTIONNAIRE_READS,
                    strict=True,
                )
            }
