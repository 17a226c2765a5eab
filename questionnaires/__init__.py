"""Versioned questionnaire definitions, one YAML file per version.

Data only: ``survey_service.questionnaires`` loads and validates them.
"""
