"""The hall's rules, one use case per function: plain values in, one commit, a result out."""
