prepare none calibration
