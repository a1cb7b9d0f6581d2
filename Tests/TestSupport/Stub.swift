import HogportKit
