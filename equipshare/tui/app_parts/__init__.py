"""The pieces EquipshareApp is built from: its mixins (keys, openers, answers) and the
user's kept preferences, so that app.py only wires settings and services together."""
