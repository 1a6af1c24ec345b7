"""Query cost, rate limits and bad-input checks for the open internet (issue 13)."""
