"""Text Summarizer, a Wavehub demo app: an H2O Wave app whose handler is in `summarizer.app`
(`wave run summarizer.app`)."""
