//! Closed vocabularies (organisation kinds, situation kinds and sources, thing states …) as
//! enums with their stored code and their Chinese label, from one table each: the table the
//! API's schema and the UI's lists are built from is the enum's own.

/// `vocabulary!(Name, TABLE { Variant = ("code", "中文"), … })` defines the enum, `TABLE`
/// (the codes and labels in order), `ALL`, `as_str`, `label_zh`, `parse` (the code or the
/// Chinese label, as a spreadsheet may give it), `Display` and serde as the code.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $table:ident {
        $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal)),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        /// Each code with its Chinese label, in order.
        pub const $table: [(&str, &str); [$($code),+].len()] = [$(($code, $zh)),+];

        impl $name {
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh),+
                }
            }

            /// From its code exactly (as the API takes it).
            pub fn from_code(raw: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|k| k.as_str() == raw)
            }

            /// From its code, or its Chinese label (as a spreadsheet may give it).
            pub fn parse(raw: &str) -> Option<$name> {
                let raw = raw.trim();
                $name::ALL
                    .into_iter()
                    .find(|k| k.as_str() == raw || k.label_zh() == raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        /// From its code exactly, as stored data and the API give it.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::from_code(&raw).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&raw, &[$($code),+])
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::vocabulary!(
        /// A test vocabulary.
        Colour, COLOURS {
            Red = ("red", "红"),
            Blue = ("blue", "蓝"),
        }
    );

    #[test]
    fn a_vocabulary_parses_its_codes_and_labels_and_nothing_else() {
        assert_eq!(COLOURS, [("red", "红"), ("blue", "蓝")]);
        assert_eq!(Colour::parse("blue"), Some(Colour::Blue));
        assert_eq!(Colour::parse(" 红 "), Some(Colour::Red));
        assert_eq!(Colour::parse("green"), None);
        assert_eq!(
            serde_json::from_str::<Colour>("\"blue\"").unwrap(),
            Colour::Blue
        );
        assert!(
            serde_json::from_str::<Colour>("\"蓝\"").is_err(),
            "stored data holds codes"
        );
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Colour::from_code("红"), None);
        assert_eq!(Colour::from_code("red"), Some(Colour::Red));
        assert_eq!(Colour::Blue.to_string(), "blue");
    }
}
