//! `.appignore`: which files stay out of a bundle, with the platform (go-gitignore) semantics.
