"""The region's view of released results: funnel plots per item and the cross-sector gaps."""
