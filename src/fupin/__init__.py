"""Fupin (扶贫): the targeted poverty alleviation information system."""
