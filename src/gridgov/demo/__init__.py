"""The Huizhou demo city: real city and district boundaries, synthetic and deterministic below them."""
