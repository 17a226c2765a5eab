"""A demo region with practices, questionnaires and synthetic responses."""
