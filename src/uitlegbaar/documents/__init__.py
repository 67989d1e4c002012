"""Pure compilers and renderers: (evidence, declaration[, previous evidence]) → document model → text.

Nothing here opens a store or touches the training process; `uitlegbaar.pipeline` loads, this layer compiles."""
