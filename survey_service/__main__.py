"""``python -m survey_service`` is the same as the ``survey-service`` command."""

from survey_service.cli import main

main()
