"""Text handling: normalisation with offsets, sentences, quotation spans, names."""
