-- Work meetings (工作例会) are kept beside the inspections, as they have the same shape — held
-- on a day, minutes, and work put on units as targets of their own task — told apart by kind,
-- with who chaired them (and the chair's account, for a leader's record).
ALTER TABLE pilot_inspections ADD COLUMN kind TEXT NOT NULL DEFAULT 'inspection';
ALTER TABLE pilot_inspections ADD COLUMN chair TEXT NOT NULL DEFAULT '';
ALTER TABLE pilot_inspections ADD COLUMN chair_username TEXT;
CREATE INDEX pilot_inspections_chair ON pilot_inspections (chair_username);
