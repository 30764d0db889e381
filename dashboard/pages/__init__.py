"""One package per dashboard page: its state (state.py), its components (view.py), what it reads and
writes through core (data.py).  No page imports another; what two pages share lives in
components/ (drawing only) or forms/ (form state and parsing)."""
