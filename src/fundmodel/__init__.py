"""fundmodel: renovation and upkeep finance for old residential compounds."""
