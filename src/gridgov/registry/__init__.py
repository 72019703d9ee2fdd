"""The basic-information registry (人地物组织): people, households, special and care groups, rental houses,
floating-population registrations, organisations and small venues, facilities (部件) — and the protection of the
personal data they hold (DESIGN rule 4)."""
