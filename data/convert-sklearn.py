#!/usr/bin/python3
"""Convert scikit-learn's copies of Iris and the 8x8 digits to our CSV format.

Run ONCE by hand; the build never runs it, and its output (iris.csv,
digits.csv) is committed next to it.  Stdlib only:

    /usr/bin/python3 data/convert-sklearn.py [SKLEARN_DATA_DIR] [OUT_DIR]

SKLEARN_DATA_DIR defaults to Debian's python3-sklearn copy,
/usr/lib/python3/dist-packages/sklearn/datasets/data; OUT_DIR defaults to
the directory holding this script.

scikit-learn's files are not plain CSV: the first line of iris.csv is
"n_samples,n_features,class names..." and the class column holds the class
index; digits.csv.gz has no header at all, 64 pixel columns and the digit as
the 65th.  We write a header row and text class labels.  The digit labels are
written quoted ("0".."9"): our loader reads a quoted cell in a target column
as a text label, so the digit column becomes ten one-hot classes instead of a
regression target.
"""

import csv
import gzip
import os
import sys

SKLEARN_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def convert_iris(src, dst):
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    n_samples, n_features = int(rows[0][0]), int(rows[0][1])
    class_names = rows[0][2:]
    body = rows[1:]
    if n_samples != len(body) or n_features != 4:
        sys.exit("%s: unexpected first line %r" % (src, rows[0]))

    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sepal_length", "sepal_width", "petal_length",
                    "petal_width", "species"])
        for row in body:
            if len(row) != 5:
                sys.exit("%s: ragged row %r" % (src, row))
            w.writerow(row[:4] + [class_names[int(row[4])]])
    return len(body)


def convert_digits(src, dst):
    with gzip.open(src, "rt", newline="") as f:
        rows = [r for r in csv.reader(f) if r]

    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["p%d" % i for i in range(64)] + ["digit"])
        for row in rows:
            if len(row) != 65:
                sys.exit("%s: ragged row of %d fields" % (src, len(row)))
            # The source stores integers, sometimes as "3.0": keep integers.
            pixels = [str(int(float(v))) for v in row[:64]]
            digit = str(int(float(row[64])))
            f.write(",".join(pixels) + ',"' + digit + '"\n')
    return len(rows)


def main():
    src_dir = sys.argv[1] if len(sys.argv) > 1 else SKLEARN_DIR
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(
        os.path.abspath(__file__))

    n = convert_iris(os.path.join(src_dir, "iris.csv"),
                     os.path.join(out_dir, "iris.csv"))
    print("iris.csv: %d rows" % n)
    n = convert_digits(os.path.join(src_dir, "digits.csv.gz"),
                       os.path.join(out_dir, "digits.csv"))
    print("digits.csv: %d rows" % n)


if __name__ == "__main__":
    main()
