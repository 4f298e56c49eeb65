UPDATE picture_features SET search = setweight(search, 'D');
