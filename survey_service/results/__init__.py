"""Results: reporting periods, response tables, stored report revisions."""
