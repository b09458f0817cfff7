//! Reading zip archives safely: the structural pass and the integrity pass.
