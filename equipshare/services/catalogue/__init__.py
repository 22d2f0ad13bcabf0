"""The instrument catalogue: search, one instrument's detail, and uniquip import and export."""
