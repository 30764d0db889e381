"""One module per dashboard page, each with the state only that page uses."""
