-- The words read in a picture weigh A in picture_features.search, the suffixes of its lines'
-- letters D: a search word shorter than three letters looks among the words only, since it is
-- inside the letters of most lines (`on` in MONDAY). Rows processed before get their words
-- weighted from their text (their suffixes, and their words, stay there at D).
-- depends: 0008.picture-processing

UPDATE picture_features SET search = setweight(to_tsvector('simple', text), 'A') || search;
