"""The composition root: builds and wires the packages for a GUI, headless, doctor, self-test or train run."""
