"""Reference data shipped inside the package (download ranking snapshot)."""
