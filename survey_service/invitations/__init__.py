"""Invitations: single-use survey links, kept only as hashes."""

from survey_service.invitations.service import CHANNELS, issue_invitation
from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token, looks_like_token, new_token

__all__ = [
    "CHANNELS",
    "Invitation",
    "hash_token",
    "issue_invitation",
    "looks_like_token",
    "new_token",
]
