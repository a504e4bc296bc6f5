;; Reads a run of CSV records of plain values into columns: the hot loop of the CSV reader
;; (csv-kernel.ts loads it; `npm run wasm` turns this text into csv-kernel-wasm.ts).
;;
;; A record is read only when every one of its `fields` fields is, for a number or integer
;; column, a plain number, `[+-]digits[.digits]` with 1 to 15 digits (the point is the
;; dialect's decimal separator), within its column's range (an integer column's value a safe
;; integer); for a category column (a boolean is one whose levels are its spellings), the bytes
;; of a level the table already holds (not quoted, not empty); for a date column, a date
;; YYYY-MM-DD, or a date-time YYYY-MM-DD[T ]hh:mm[:ss[.fff]] with an optional zone Z, +hh, +hhmm or
;; +hh:mm, within its range; for a string column, any bytes not starting with a quote. A cell
;; that is a missing-value marker (in the table with code -2), equals its column's missing
;; number, or is empty, is a missing value when its column may be missing. Fields are separated
;; by `delim` (with the `trim` flag, spaces and tabs around a field are dropped), and the record
;; ends (after one delimiter more with the `trailing` flag) with LF or CRLF before `end`, at most
;; `maxRecord` bytes with its line break. Bytes above 0x7f end the run unless the `high` flag
;; says the file is Latin-1. The first record that is anything else (a quote, another spelling,
;; a missing value where none may be, a new level, a blank or comment line, a record cut by the
;; end of the window) ends the run: the reader reads it the general way, which also says what
;; is wrong, and adds a new level to the table.
;;
;; A value is the integer the digits spell, as a double (exact: at most 15 digits), divided by
;; 10^(digits after the point), negated after a minus: the same operations, so the same double,
;; as the JavaScript fast path in csv-tokenizer.ts. Eight digits after the point are read at
;; once (a 64-bit word: check that all are digits, then three multiplies). A date-time is
;; computed in 64-bit integers, exact, as parseIsoDate computes it in doubles.
;;
;; `syntax` packs the dialect: the quote byte (bits 0-7), the decimal separator (8-15), the first
;; byte of the comment prefix (16-23, 0 for none), trim (bit 24), trailing (bit 25), high (bit 26).
;;
;; Memory, laid out by csv-kernel.ts:
;;   [0, 128)            10^0 .. 10^15 as doubles
;;   bounds + 32 f       field f's column min, max, and missing number (NaN for none) (doubles);
;;                       a missing value in a column that may not be missing ends the run
;;   kinds + f           field f's column: 0 number, 1 integer, 2 category (or boolean), 3 date,
;;                       4 string; plus 8 when it may be missing
;;   out + 8 (f stride + r)   the value of field f of the run's row r: a category's level code
;;                       (-1 missing), a string's address · 2^21 + length (NaN missing), a
;;                       number's or date's value (NaN missing)
;;   table + 16 s        slot s of the levels' hash table (mask + 1 slots, never full): the
;;                       hash, the code (-1: empty; -2: a missing-value marker), the address of
;;                       the level's bytes, and field << 20 | length; see $levelCode
;;   the window of bytes; the caller writes a 0 at `end` so every number loop stops there.
(module
  (import "env" "memory" (memory 1))
  ;; Just past the last record read.
  (global $next (export "next") (mut i32) (i32.const 0))
  ;; Just past the date $dateTime read.
  (global $dateEnd (mut i32) (i32.const 0))

  ;; Returns the number of records read (at most maxRows), from `pos`; `next` is where they end.
  (func (export "readRun")
    (param $pos i32) (param $end i32) (param $delim i32) (param $fields i32)
    (param $out i32) (param $stride i32) (param $maxRows i32) (param $maxRecord i32)
    (param $bounds i32) (param $kinds i32) (param $table i32) (param $mask i32) (param $syntax i32)
    (result i32)
    (local $i i32) (local $rows i32) (local $f i32) (local $c i32) (local $negative i32)
    (local $mantissa i64) (local $from i32) (local $whole i32) (local $fraction i32)
    (local $word i64) (local $v f64) (local $start i32) (local $d i32) (local $bound i32)
    (local $kind i32) (local $to i32) (local $quote i32) (local $point i32) (local $comment i32)
    (local $trim i32) (local $trailing i32) (local $high i32) (local $nullable i32)
    (local.set $quote (i32.and (local.get $syntax) (i32.const 255)))
    (local.set $point (i32.and (i32.shr_u (local.get $syntax) (i32.const 8)) (i32.const 255)))
    (local.set $comment (i32.and (i32.shr_u (local.get $syntax) (i32.const 16)) (i32.const 255)))
    (local.set $trim (i32.and (i32.shr_u (local.get $syntax) (i32.const 24)) (i32.const 1)))
    (local.set $trailing (i32.and (i32.shr_u (local.get $syntax) (i32.const 25)) (i32.const 1)))
    (local.set $high (i32.and (i32.shr_u (local.get $syntax) (i32.const 26)) (i32.const 1)))
    (local.set $i (local.get $pos))
    (global.set $next (local.get $pos))
    (block $done
      (loop $record
        (br_if $done (i32.ge_u (local.get $rows) (local.get $maxRows)))
        (local.set $start (local.get $i))
        ;; A blank line, a line of spaces when trimming, or a comment: the general way.
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $done (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))
        (br_if $done (i32.and (i32.ne (local.get $comment) (i32.const 0))
                              (i32.eq (local.get $c) (local.get $comment))))
        (br_if $done (i32.and (local.get $trim)
                              (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))))
        (local.set $f (i32.const 0))
        (loop $field
          (if (local.get $trim)
            (then
              (block $trimmed
                (loop $space
                  (local.set $c (i32.load8_u (local.get $i)))
                  (br_if $trimmed (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.ne (local.get $c) (i32.const 9))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $space)))))
          (local.set $c (i32.load8_u (local.get $i)))
          (local.set $from (local.get $i))
          (local.set $kind (i32.load8_u (i32.add (local.get $kinds) (local.get $f))))
          (local.set $nullable (i32.and (local.get $kind) (i32.const 8)))
          (local.set $kind (i32.and (local.get $kind) (i32.const 7)))
          (local.set $bound (i32.add (local.get $bounds) (i32.shl (local.get $f) (i32.const 5))))
          ;; The field's value into $v; $i at the byte after the field.
          (block $store
            (block $missing
              (block $text
                (br_if $text (i32.or (i32.eq (local.get $kind) (i32.const 2)) (i32.eq (local.get $kind) (i32.const 4))))
                (if (i32.eq (local.get $kind) (i32.const 3))
                  (then
                    ;; A date or date-time, as epoch milliseconds.
                    (local.set $v (call $dateTime (local.get $i)))
                    (br_if $text (f64.ne (local.get $v) (local.get $v)))
                    (local.set $i (global.get $dateEnd)))
                  (else
                    ;; An optional sign.
                    (local.set $negative (i32.eq (local.get $c) (i32.const 45)))
                    (local.set $i (i32.add (local.get $i)
                      (i32.or (local.get $negative) (i32.eq (local.get $c) (i32.const 43)))))
                    ;; The digits before the point.
                    (local.set $to (local.get $i))
                    (local.set $mantissa (i64.const 0))
                    (block $wholeEnd
                      (loop $wholeDigit
                        (local.set $d (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
                        (br_if $wholeEnd (i32.gt_u (local.get $d) (i32.const 9)))
                        (local.set $mantissa (i64.add (i64.mul (local.get $mantissa) (i64.const 10))
                                                      (i64.extend_i32_u (local.get $d))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $wholeDigit)))
                    (local.set $whole (i32.sub (local.get $i) (local.get $to)))
                    ;; The point and the digits after it.
                    (local.set $fraction (i32.const 0))
                    (if (i32.eq (i32.load8_u (local.get $i)) (local.get $point))
                      (then
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (local.set $to (local.get $i))
                        (local.set $word (i64.load (local.get $i)))
                        ;; Eight digits at once when the next eight bytes are all digits.
                        (if (i64.eq
                              (i64.or
                                (i64.and (local.get $word) (i64.const 0xF0F0F0F0F0F0F0F0))
                                (i64.shr_u
                                  (i64.and (i64.add (local.get $word) (i64.const 0x0606060606060606))
                                           (i64.const 0xF0F0F0F0F0F0F0F0))
                                  (i64.const 4)))
                              (i64.const 0x3333333333333333))
                          (then
                            (local.set $word (i64.shr_u
                              (i64.mul (i64.and (local.get $word) (i64.const 0x0F0F0F0F0F0F0F0F)) (i64.const 2561))
                              (i64.const 8)))
                            (local.set $word (i64.shr_u
                              (i64.mul (i64.and (local.get $word) (i64.const 0x00FF00FF00FF00FF)) (i64.const 6553601))
                              (i64.const 16)))
                            (local.set $word (i64.shr_u
                              (i64.mul (i64.and (local.get $word) (i64.const 0x0000FFFF0000FFFF)) (i64.const 42949672960001))
                              (i64.const 32)))
                            (local.set $mantissa (i64.add (i64.mul (local.get $mantissa) (i64.const 100000000))
                                                          (local.get $word)))
                            (local.set $i (i32.add (local.get $i) (i32.const 8)))))
                        (block $fractionEnd
                          (loop $fractionDigit
                            (local.set $d (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
                            (br_if $fractionEnd (i32.gt_u (local.get $d) (i32.const 9)))
                            (local.set $mantissa (i64.add (i64.mul (local.get $mantissa) (i64.const 10))
                                                          (i64.extend_i32_u (local.get $d))))
                            (local.set $i (i32.add (local.get $i) (i32.const 1)))
                            (br $fractionDigit)))
                        (local.set $fraction (i32.sub (local.get $i) (local.get $to)))))
                    ;; 1 to 15 digits: the mantissa is exact in a double (a longer one may have wrapped).
                    (local.set $d (i32.add (local.get $whole) (local.get $fraction)))
                    (br_if $text (i32.or (i32.eqz (local.get $d)) (i32.gt_u (local.get $d) (i32.const 15))))
                    (local.set $v (f64.convert_i64_s (local.get $mantissa)))
                    (if (local.get $fraction)
                      (then (local.set $v (f64.div (local.get $v)
                                                   (f64.load (i32.shl (local.get $fraction) (i32.const 3)))))))
                    (if (local.get $negative) (then (local.set $v (f64.neg (local.get $v)))))))
                ;; Spaces after the value, then the field must end.
                (if (local.get $trim)
                  (then
                    (block $trimmedAfter
                      (loop $spaceAfter
                        (local.set $c (i32.load8_u (local.get $i)))
                        (br_if $trimmedAfter (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.ne (local.get $c) (i32.const 9))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $spaceAfter)))))
                (local.set $c (i32.load8_u (local.get $i)))
                (br_if $text (i32.eqz (i32.or (i32.eq (local.get $c) (local.get $delim))
                                              (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))))
                ;; The column's missing number (NaN, equal to nothing, when it has none).
                (if (f64.eq (local.get $v) (f64.load offset=16 (local.get $bound)))
                  (then
                    (br_if $missing (local.get $nullable))
                    (br $done)))
                ;; Its range, and a safe integer for an integer column.
                (br_if $done (i32.eqz (i32.and
                  (f64.ge (local.get $v) (f64.load (local.get $bound)))
                  (f64.le (local.get $v) (f64.load offset=8 (local.get $bound))))))
                (if (i32.eq (local.get $kind) (i32.const 1))
                  (then (br_if $done (i32.or
                    (f64.ne (f64.trunc (local.get $v)) (local.get $v))
                    (f64.gt (f64.abs (local.get $v)) (f64.const 9007199254740991))))))
                (br $store))
              ;; The field as text: the bytes up to the delimiter or the line feed, not quoted.
              (local.set $i (local.get $from))
              (br_if $done (i32.eq (local.get $c) (local.get $quote)))
              (block $textEnd
                (loop $byte
                  (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
                  (local.set $c (i32.load8_u (local.get $i)))
                  (br_if $textEnd (i32.or (i32.eq (local.get $c) (local.get $delim))
                                          (i32.eq (local.get $c) (i32.const 10))))
                  (br_if $done (i32.and (i32.ge_u (local.get $c) (i32.const 128)) (i32.eqz (local.get $high))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $byte)))
              ;; In the last field a CR before the line feed is the line break's.
              (local.set $to (local.get $i))
              (if (i32.and (i32.eq (i32.add (local.get $f) (i32.const 1)) (local.get $fields))
                           (i32.and (i32.gt_u (local.get $to) (local.get $from))
                                    (i32.eq (i32.load8_u (i32.sub (local.get $to) (i32.const 1))) (i32.const 13))))
                (then (local.set $to (i32.sub (local.get $to) (i32.const 1)))))
              (if (local.get $trim)
                (then
                  (block $trimmedEnd
                    (loop $spaceEnd
                      (br_if $trimmedEnd (i32.le_u (local.get $to) (local.get $from)))
                      (local.set $c (i32.load8_u (i32.sub (local.get $to) (i32.const 1))))
                      (br_if $trimmedEnd (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.ne (local.get $c) (i32.const 9))))
                      (local.set $to (i32.sub (local.get $to) (i32.const 1)))
                      (br $spaceEnd)))))
              ;; An empty cell is a missing value.
              (if (i32.eq (local.get $to) (local.get $from))
                (then
                  (br_if $missing (local.get $nullable))
                  (br $done)))
              (local.set $d (call $levelCode (local.get $f) (local.get $from) (local.get $to)
                                             (local.get $table) (local.get $mask)))
              (if (i32.eq (local.get $d) (i32.const -2))
                (then
                  (br_if $missing (local.get $nullable))
                  (br $done)))
              (if (i32.eq (local.get $kind) (i32.const 4))
                (then
                  (local.set $v (f64.add
                    (f64.mul (f64.convert_i32_u (local.get $from)) (f64.const 2097152))
                    (f64.convert_i32_u (i32.sub (local.get $to) (local.get $from)))))
                  (br $store)))
              ;; A number or date that is not plain, or a level the table does not hold.
              (br_if $done (i32.or (i32.ne (local.get $kind) (i32.const 2)) (i32.lt_s (local.get $d) (i32.const 0))))
              (local.set $v (f64.convert_i32_s (local.get $d)))
              (br $store))
            ;; A missing value: a category's code -1, NaN otherwise.
            (local.set $v (select (f64.const -1) (f64.const nan)
                                  (i32.eq (local.get $kind) (i32.const 2)))))
          ;; Stored before the record is known whole: a row counts only once it is.
          (f64.store
            (i32.add (local.get $out)
                     (i32.shl (i32.add (i32.mul (local.get $f) (local.get $stride)) (local.get $rows))
                              (i32.const 3)))
            (local.get $v))
          (local.set $c (i32.load8_u (local.get $i)))
          (local.set $f (i32.add (local.get $f) (i32.const 1)))
          (if (i32.lt_u (local.get $f) (local.get $fields))
            (then
              (br_if $done (i32.ne (local.get $c) (local.get $delim)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $field))))
        ;; One delimiter more, when the dialect allows it.
        (if (i32.and (local.get $trailing) (i32.eq (local.get $c) (local.get $delim)))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))))
        ;; The record ends with LF or CRLF inside the window.
        (if (i32.eq (local.get $c) (i32.const 13))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))))
        (br_if $done (i32.or (i32.ne (local.get $c) (i32.const 10))
                             (i32.ge_u (local.get $i) (local.get $end))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.gt_u (i32.sub (local.get $i) (local.get $start)) (local.get $maxRecord)))
        (local.set $rows (i32.add (local.get $rows) (i32.const 1)))
        (global.set $next (local.get $i))
        (br $record)))
    (local.get $rows))

  ;; Two digits at `at` as a number, or -1.
  (func $two (param $at i32) (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (i32.sub (i32.load8_u (local.get $at)) (i32.const 48)))
    (local.set $b (i32.sub (i32.load8_u offset=1 (local.get $at)) (i32.const 48)))
    (if (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9)))
      (then (return (i32.const -1))))
    (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))

  ;; The epoch milliseconds of the date or date-time at `at`, as parseIsoDate reads it, and
  ;; $dateEnd just past it; NaN when there is none. What follows is not looked at: the caller
  ;; checks that the field ends there (so "12:30:" is no date-time, as parseIsoDate says too).
  (func $dateTime (param $at i32) (result f64)
    (local $days i32) (local $p i32) (local $c i32) (local $h i32) (local $m i32) (local $s i32)
    (local $frac i32) (local $k i32) (local $d i32) (local $zh i32) (local $zm i32) (local $sign i32)
    (local $ms i64)
    (local.set $days (call $dateDays (local.get $at)))
    (if (i32.eq (local.get $days) (i32.const 0x7fffffff)) (then (return (f64.const nan))))
    (local.set $ms (i64.mul (i64.extend_i32_s (local.get $days)) (i64.const 86400000)))
    (local.set $p (i32.add (local.get $at) (i32.const 10)))
    (global.set $dateEnd (local.get $p))
    (local.set $c (i32.load8_u (local.get $p)))
    ;; A time part: [T ]hh:mm, then :ss and a fraction.
    (if (i32.eqz (i32.or (i32.eq (local.get $c) (i32.const 84)) (i32.eq (local.get $c) (i32.const 32))))
      (then (return (f64.convert_i64_s (local.get $ms)))))
    (local.set $h (call $two (i32.add (local.get $p) (i32.const 1))))
    (local.set $m (call $two (i32.add (local.get $p) (i32.const 4))))
    ;; "2024-01-31 " followed by no time: the field goes on, which the caller refuses.
    (if (i32.or (i32.or (i32.lt_s (local.get $h) (i32.const 0)) (i32.lt_s (local.get $m) (i32.const 0)))
                (i32.ne (i32.load8_u offset=3 (local.get $p)) (i32.const 58)))
      (then (return (f64.convert_i64_s (local.get $ms)))))
    (local.set $p (i32.add (local.get $p) (i32.const 6)))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 58))
      (then
        (local.set $s (call $two (i32.add (local.get $p) (i32.const 1))))
        (if (i32.lt_s (local.get $s) (i32.const 0)) (then (return (f64.const nan))))
        (local.set $p (i32.add (local.get $p) (i32.const 3)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 46)) (i32.eq (local.get $c) (i32.const 44)))
          (then
            ;; 1 to 9 digits; the first three are the milliseconds.
            (local.set $k (i32.const 0))
            (block $fracEnd
              (loop $fracDigit
                (local.set $d (i32.sub (i32.load8_u (i32.add (i32.add (local.get $p) (i32.const 1)) (local.get $k)))
                                       (i32.const 48)))
                (br_if $fracEnd (i32.gt_u (local.get $d) (i32.const 9)))
                (if (i32.lt_u (local.get $k) (i32.const 3))
                  (then (local.set $frac (i32.add (i32.mul (local.get $frac) (i32.const 10)) (local.get $d)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $fracDigit)))
            (if (i32.or (i32.eqz (local.get $k)) (i32.gt_u (local.get $k) (i32.const 9)))
              (then (return (f64.const nan))))
            (if (i32.eq (local.get $k) (i32.const 1)) (then (local.set $frac (i32.mul (local.get $frac) (i32.const 100)))))
            (if (i32.eq (local.get $k) (i32.const 2)) (then (local.set $frac (i32.mul (local.get $frac) (i32.const 10)))))
            (local.set $p (i32.add (local.get $p) (i32.add (local.get $k) (i32.const 1))))))))
    (if (i32.or (i32.or (i32.gt_u (local.get $h) (i32.const 23)) (i32.gt_u (local.get $m) (i32.const 59)))
                (i32.gt_u (local.get $s) (i32.const 59)))
      (then (return (f64.const nan))))
    (local.set $ms (i64.add (local.get $ms) (i64.extend_i32_u
      (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $h) (i32.const 60)) (local.get $m))
                                          (i32.const 60))
                                 (local.get $s))
                        (i32.const 1000))
               (local.get $frac)))))
    ;; A zone: Z, or +hh, +hhmm, +hh:mm (or -).
    (local.set $c (i32.load8_u (local.get $p)))
    (if (i32.eq (local.get $c) (i32.const 90))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (if (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 45)))
          (then
            (local.set $sign (i32.eq (local.get $c) (i32.const 45)))
            (local.set $zh (call $two (i32.add (local.get $p) (i32.const 1))))
            (if (i32.lt_s (local.get $zh) (i32.const 0)) (then (return (f64.const nan))))
            (local.set $p (i32.add (local.get $p) (i32.const 3)))
            (local.set $zm (call $two (i32.add (local.get $p)
              (i32.eq (i32.load8_u (local.get $p)) (i32.const 58)))))
            (if (i32.ge_s (local.get $zm) (i32.const 0))
              (then (local.set $p (i32.add (local.get $p)
                (i32.add (i32.const 2) (i32.eq (i32.load8_u (local.get $p)) (i32.const 58))))))
              (else (local.set $zm (i32.const 0))))
            (if (i32.or (i32.gt_u (local.get $zh) (i32.const 23)) (i32.gt_u (local.get $zm) (i32.const 59)))
              (then (return (f64.const nan))))
            (local.set $d (i32.mul (i32.add (i32.mul (local.get $zh) (i32.const 60)) (local.get $zm)) (i32.const 60000)))
            (local.set $ms (select (i64.add (local.get $ms) (i64.extend_i32_u (local.get $d)))
                                   (i64.sub (local.get $ms) (i64.extend_i32_u (local.get $d)))
                                   (local.get $sign)))))))
    (global.set $dateEnd (local.get $p))
    (f64.convert_i64_s (local.get $ms)))

  ;; The days from 1970-01-01 of the date YYYY-MM-DD at `at` (H. Hinnant's days_from_civil, as
  ;; parseIsoDate computes them), or 0x7fffffff when the ten bytes are not such a date.
  (func $dateDays (param $at i32) (result i32)
    (local $y i32) (local $m i32) (local $d i32) (local $k i32) (local $c i32) (local $days i32)
    (local $era i32) (local $yoe i32) (local $doy i32)
    (if (i32.or (i32.ne (i32.load8_u offset=4 (local.get $at)) (i32.const 45))
                (i32.ne (i32.load8_u offset=7 (local.get $at)) (i32.const 45)))
      (then (return (i32.const 0x7fffffff))))
    ;; The digits: four of the year, two of the month, two of the day.
    (local.set $k (i32.const 0))
    (block $digitsDone
      (loop $digit
        (br_if $digitsDone (i32.ge_u (local.get $k) (i32.const 10)))
        (if (i32.and (i32.ne (local.get $k) (i32.const 4)) (i32.ne (local.get $k) (i32.const 7)))
          (then
            (local.set $c (i32.sub (i32.load8_u (i32.add (local.get $at) (local.get $k))) (i32.const 48)))
            (if (i32.gt_u (local.get $c) (i32.const 9)) (then (return (i32.const 0x7fffffff))))
            (if (i32.lt_u (local.get $k) (i32.const 4))
              (then (local.set $y (i32.add (i32.mul (local.get $y) (i32.const 10)) (local.get $c))))
              (else (if (i32.lt_u (local.get $k) (i32.const 7))
                (then (local.set $m (i32.add (i32.mul (local.get $m) (i32.const 10)) (local.get $c))))
                (else (local.set $d (i32.add (i32.mul (local.get $d) (i32.const 10)) (local.get $c)))))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $digit)))
    ;; A month 1 to 12 and a day of it.
    (if (i32.or (i32.or (i32.lt_u (local.get $m) (i32.const 1)) (i32.gt_u (local.get $m) (i32.const 12)))
                (i32.or (i32.lt_u (local.get $d) (i32.const 1))
                        (i32.gt_u (local.get $d) (call $daysInMonth (local.get $y) (local.get $m)))))
      (then (return (i32.const 0x7fffffff))))
    (local.set $y (i32.sub (local.get $y) (i32.le_u (local.get $m) (i32.const 2))))
    ;; era = floor(y / 400): y is -1 at least.
    (local.set $era (i32.div_s
      (if (result i32) (i32.lt_s (local.get $y) (i32.const 0))
        (then (i32.sub (local.get $y) (i32.const 399)))
        (else (local.get $y)))
      (i32.const 400)))
    (local.set $yoe (i32.sub (local.get $y) (i32.mul (local.get $era) (i32.const 400))))
    (local.set $doy (i32.sub (i32.add
      (i32.div_u (i32.add (i32.mul (i32.const 153)
                                   (i32.add (local.get $m)
                                            (if (result i32) (i32.gt_u (local.get $m) (i32.const 2))
                                              (then (i32.const -3)) (else (i32.const 9)))))
                          (i32.const 2))
                 (i32.const 5))
      (local.get $d)) (i32.const 1)))
    (local.set $days (i32.add (i32.mul (local.get $era) (i32.const 146097))
      (i32.sub
        (i32.add (i32.sub (i32.add (i32.mul (local.get $yoe) (i32.const 365))
                                   (i32.div_u (local.get $yoe) (i32.const 4)))
                          (i32.div_u (local.get $yoe) (i32.const 100)))
                 (local.get $doy))
        (i32.const 719468))))
    (local.get $days))

  (func $daysInMonth (param $y i32) (param $m i32) (result i32)
    (if (i32.eq (local.get $m) (i32.const 2))
      (then (return (select (i32.const 29) (i32.const 28)
        (i32.or (i32.and (i32.eqz (i32.rem_u (local.get $y) (i32.const 4)))
                         (i32.ne (i32.rem_u (local.get $y) (i32.const 100)) (i32.const 0)))
                (i32.eqz (i32.rem_u (local.get $y) (i32.const 400))))))))
    (select (i32.const 30) (i32.const 31)
      (i32.or (i32.or (i32.eq (local.get $m) (i32.const 4)) (i32.eq (local.get $m) (i32.const 6)))
              (i32.or (i32.eq (local.get $m) (i32.const 9)) (i32.eq (local.get $m) (i32.const 11))))))

  ;; The code of the level whose bytes are [from, to) in field f's column (-2 for a missing-value
  ;; marker), or -1 when the table does not hold it. The hash is FNV-1a of the bytes, xor (f + 1) · 0x9E3779B1; csv-kernel.ts
  ;; computes the same when it adds a level.
  (func $levelCode (param $f i32) (param $from i32) (param $to i32) (param $table i32) (param $mask i32)
    (result i32)
    (local $h i32) (local $i i32) (local $slot i32) (local $entry i32) (local $length i32)
    (local $k i32) (local $at i32)
    (local.set $h (i32.const 0x811c9dc5))
    (local.set $i (local.get $from))
    (block $hashed
      (loop $hash
        (br_if $hashed (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $hash)))
    (local.set $h (i32.xor (local.get $h)
      (i32.mul (i32.add (local.get $f) (i32.const 1)) (i32.const 0x9e3779b1))))
    (local.set $length (i32.sub (local.get $to) (local.get $from)))
    (local.set $slot (i32.and (local.get $h) (local.get $mask)))
    (loop $probe
      (local.set $entry (i32.add (local.get $table) (i32.shl (local.get $slot) (i32.const 4))))
      (if (i32.eq (i32.load offset=4 (local.get $entry)) (i32.const -1))
        (then (return (i32.const -1))))
      (if (i32.and (i32.eq (i32.load (local.get $entry)) (local.get $h))
                   (i32.eq (i32.load offset=12 (local.get $entry))
                           (i32.or (i32.shl (local.get $f) (i32.const 20)) (local.get $length))))
        (then
          (local.set $at (i32.load offset=8 (local.get $entry)))
          (local.set $k (i32.const 0))
          (block $differ
            (loop $compare
              (if (i32.ge_u (local.get $k) (local.get $length))
                (then (return (i32.load offset=4 (local.get $entry)))))
              (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $k)))
                                     (i32.load8_u (i32.add (local.get $from) (local.get $k)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $compare)))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
      (br $probe))
    (i32.const -1))
)
