"""Past records: the History and Deals tabs on their shared records tab, filters and periods."""
