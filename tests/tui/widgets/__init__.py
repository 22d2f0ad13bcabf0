"""The shared widgets and words: column fitting, filters, paging, suggesters, layout."""
